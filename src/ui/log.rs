//! The event log in plain words, newest first; an entry about a node selects (and rings) it.

use std::cell::RefCell;
use std::rc::Rc;

use yew::prelude::*;

use super::pure::Panel;
use super::state::{Msg, Selection};
use crate::sim::World;
use crate::sim::decimal::fixed;

/// Entries shown (the World keeps a bounded ring of 200).
const SHOWN: usize = 60;

/// The log of one run as far as `written` entries: the log only grows, so that pair says what it
/// holds without copying it every frame.
pub struct EventLog {
    pub on: Callback<Msg>,
    pub world: Rc<RefCell<World>>,
    /// Entries written in the run: the newest is number `written - 1` (its key, so an entry keeps
    /// its element, and a focused one its focus, as newer ones arrive above it).
    pub written: u64,
}

impl PartialEq for EventLog {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.world, &other.world) && self.written == other.written
    }
}

impl Panel for EventLog {
    fn render(&self) -> Html {
        event_log(self)
    }
}

fn event_log(props: &EventLog) -> Html {
    let w = props.world.borrow();
    let items = w.log().take(SHOWN).enumerate().map(|(k, e)| {
        let at = html! { <><span class="at">{ format!("{} s", fixed(e.at as f64 / 1e6, 1)) }</span>{ e.text.clone() }</> };
        let key = props.written - 1 - k as u64;
        match e.node {
            Some(node) => {
                let on = props.on.clone();
                let onclick =
                    Callback::from(move |_: MouseEvent| on.emit(Msg::Select(Some(Selection::Node(node)))));
                html! {
                    <li {key}>
                        <button type="button" class="entry" data-log-node={node.to_string()}
                                title={format!("Show {}", node.label())} {onclick}>{ at }</button>
                    </li>
                }
            }
            None => html! { <li {key}><span class="entry">{ at }</span></li> },
        }
    });
    html! {
        <section class="log" aria-label="Event log">
            <h2>{ "Events" }</h2>
            if props.written == 0 {
                <p class="empty">{ "Nothing has happened yet: fail a node or switch strategy." }</p>
            } else {
                <div class="log-body"><ol>{ for items }</ol></div>
            }
        </section>
    }
}
