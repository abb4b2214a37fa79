//! The page: one reducer holding the World, one timer driving it, and the panels that project it.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Interval;
use yew::prelude::*;

use super::controls::Controls;
use super::database::{Anomalies, DatabaseControls};
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
                    <Anomalies ..view.clone() />
                </div>
                <div class="side-column">
                    <Controls view={view.clone()} playing={sim.playing} on={on.clone()} />
                    <DatabaseControls view={view.clone()} {on} />
                    <EventLog ..view />
                    <Guide />
                </div>
            </main>
        </div>
    }
}

#[component]
fn Legend() -> Html {
    let items: [(&[&'static str], &str); 7] = [
        (&["request"], "request"),
        (&["response"], "response"),
        (&["replication"], "replication"),
        (&["probe"], "health check"),
        (&["request", "retry"], "retry"),
        (&["response", "error"], "error answer"),
        (&["burst"], "failure"),
    ];
    html! {
        <ul class="legend" aria-label="Legend">
            { for items.iter().map(|(class, text)| html! {
                <li>
                    <svg width="14" height="14" aria-hidden="true">
                        <circle class={classes!("packet", class.to_vec())} cx="7" cy="7" r="5" />
                    </svg>
                    { *text }
                </li>
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
                <li><b>{ "Fail Server 2." }</b>{ " It shows ⚠ until the balancer's health checks fail twice: requests sent to it meanwhile time out and are retried elsewhere (dashed dots). Then it gets nothing." }</li>
                <li><b>{ "Fail Replica 3" }</b>{ ", let some writes pass, then recover it: it asks the leader for what it missed and its version catches up." }</li>
                <li><b>{ "Fail Replica 1" }</b>{ ", the leader: every request needs it, so requests time out until it is back." }</li>
                <li><b>{ "Switch strategies." }</b>{ " Random lets queues grow unevenly; least connections and power of two keep them short." }</li>
            </ol>
        </section>
    }
}

/// The newest events in plain words.
#[component]
fn EventLog(props: &View) -> Html {
    let w = props.world.borrow();
    let entries: Vec<Html> = w
        .log()
        .take(8)
        .map(|e| html! {
            <li><span class="at">{ format!("{:.1} s", e.at as f64 / 1e6) }</span>{ e.text.clone() }</li>
        })
        .collect();
    html! {
        <section class="log" aria-label="Event log">
            <h2>{ "Events" }</h2>
            if entries.is_empty() {
                <p class="empty">{ "Nothing has happened yet: fail a node or switch strategy." }</p>
            } else {
                <ol reversed=true>{ for entries }</ol>
            }
        </section>
    }
}
