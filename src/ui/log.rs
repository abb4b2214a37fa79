//! The event log in plain words, newest first; an entry about a node selects (and rings) it.

use std::fmt::Write;

use yew::prelude::*;

use super::app::View;
use super::markup::{active, esc};
use super::state::Msg;
use crate::sim::decimal::fixed;

/// Entries shown (the World keeps a bounded ring of 200).
const SHOWN: usize = 60;

#[derive(Properties, PartialEq)]
pub struct LogProps {
    pub view: View,
    pub on: Callback<Msg>,
}

pub fn event_log(props: &LogProps) -> Html {
    let w = props.view.world.borrow();
    let mut o = String::new();
    for e in w.log().take(SHOWN) {
        let at = format!(
            "<span class=\"at\">{} s</span>{}",
            fixed(e.at as f64 / 1e6, 1),
            esc(&e.text)
        );
        let _ = match e.node {
            Some(node) => write!(
                o,
                "<li><button type=\"button\" class=\"entry\" data-log-node=\"{node}\" data-go=\"n{node}\" title=\"Show {}\">{at}</button></li>",
                node.label()
            ),
            None => write!(o, "<li><span class=\"entry\">{at}</span></li>"),
        };
    }
    html! {
        <section class="log" aria-label="Event log">
            <h2>{ "Events" }</h2>
            if o.is_empty() {
                <p class="empty">{ "Nothing has happened yet: fail a node or switch strategy." }</p>
            } else {
                { active(&props.on, "log-body", format!("<ol>{o}</ol>")) }
            }
        </section>
    }
}
