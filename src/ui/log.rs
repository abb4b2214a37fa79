//! The event log in plain words, newest first; an entry about a node selects (and rings) it.

use yew::prelude::*;

use super::app::View;
use super::state::{Msg, Selection};

/// Entries shown (the World keeps a bounded ring of 200).
const SHOWN: usize = 60;

#[derive(Properties, PartialEq)]
pub struct LogProps {
    pub view: View,
    pub on: Callback<Msg>,
}

pub fn event_log(props: &LogProps) -> Html {
    let w = props.view.world.borrow();
    let entries: Vec<Html> = w
        .log()
        .take(SHOWN)
        .map(|e| {
            let at = html! { <span class="at">{ format!("{:.1} s", e.at as f64 / 1e6) }</span> };
            match e.node {
                Some(node) => {
                    let on = props.on.clone();
                    let onclick = Callback::from(move |_: MouseEvent| {
                        on.emit(Msg::Select(Some(Selection::Node(node))))
                    });
                    html! {
                        <li><button type="button" class="entry" data-log-node={node.to_string()} {onclick}
                                    title={format!("Show {}", node.label())}>
                            { at }{ e.text.clone() }
                        </button></li>
                    }
                }
                None => html! { <li><span class="entry">{ at }{ e.text.clone() }</span></li> },
            }
        })
        .collect();
    html! {
        <section class="log" aria-label="Event log">
            <h2>{ "Events" }</h2>
            if entries.is_empty() {
                <p class="empty">{ "Nothing has happened yet: fail a node or switch strategy." }</p>
            } else {
                <ol>{ for entries }</ol>
            }
        </section>
    }
}
