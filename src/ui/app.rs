//! The page: one reducer holding the World, one timer driving it, and the panels that project it.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Interval;
use yew::prelude::*;

use super::controls::Controls;
use super::diagram::Diagram;
use super::figures::Figures;
use super::state::{Msg, Playground};
use crate::sim::{Config, World};

/// Timer period: about 60 frames a second.
const TICK_MS: u32 = 16;

/// What the panels read: the World and the frame it is at (they re-render when the frame moves).
#[derive(Properties, Clone)]
pub struct View {
    pub world: Rc<RefCell<World>>,
    pub frame: u64,
}

impl PartialEq for View {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.world, &other.world) && self.frame == other.frame
    }
}

fn wall_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

#[component]
pub fn App() -> Html {
    let sim = use_reducer(|| Playground::new(Config::default()));
    {
        let dispatcher = sim.dispatcher();
        use_effect_with((), move |_| {
            let timer = Interval::new(TICK_MS, move || dispatcher.dispatch(Msg::Tick(wall_ms())));
            move || drop(timer)
        });
    }
    let on = {
        let dispatcher = sim.dispatcher();
        Callback::from(move |msg| dispatcher.dispatch(msg))
    };
    let view = View {
        world: sim.world.clone(),
        frame: sim.frame,
    };
    html! {
        <div class="app">
            <header class="top">
                <h1>{ "ClusterScope" }</h1>
                <p class="tagline">{ "A live, deterministic simulation of a distributed system. Fail things and watch." }</p>
            </header>
            <main class="stage">
                <div class="main-column">
                    <div class="canvas">
                        <Diagram ..view.clone() />
                        <Legend />
                    </div>
                    <Figures ..view.clone() />
                </div>
                <div class="side-column">
                    <Controls {view} playing={sim.playing} {on} />
                    <Guide />
                </div>
            </main>
        </div>
    }
}

#[component]
fn Legend() -> Html {
    let items = [
        ("request", "request"),
        ("response", "response"),
        ("replication", "replication"),
        ("burst", "failed request"),
    ];
    html! {
        <ul class="legend" aria-label="Legend">
            { for items.iter().map(|(class, text)| html! {
                <li><svg width="14" height="14" aria-hidden="true"><circle class={classes!("packet", *class)} cx="7" cy="7" r="5" /></svg>{ *text }</li>
            }) }
        </ul>
    }
}

/// A few first things to try, so a newcomer knows where to start.
#[component]
fn Guide() -> Html {
    html! {
        <section class="guide" aria-label="Things to try">
            <h2>{ "Try this" }</h2>
            <ol>
                <li><b>{ "Fail Server 2." }</b>{ " The balancer stops sending it work; what it was holding fails (red rings) and the errors figure counts it." }</li>
                <li><b>{ "Fail Replica 3" }</b>{ ", let some writes pass, then recover it: it asks the leader for what it missed and its version catches up." }</li>
                <li><b>{ "Fail Replica 1" }</b>{ ", the leader: every request needs it, so the success rate falls until it is back." }</li>
                <li><b>{ "Switch to Random" }</b>{ " and watch the servers' queues grow unevenly, where round robin keeps them level." }</li>
            </ol>
        </section>
    }
}
