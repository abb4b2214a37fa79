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
                <div class="canvas">
                    <Diagram ..view.clone() />
                    <Legend />
                </div>
                <Controls view={view.clone()} playing={sim.playing} {on} />
            </main>
            <Figures ..view />
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
