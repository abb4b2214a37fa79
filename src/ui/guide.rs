//! The page's fixed words: the legend under the diagram and the list of keyboard shortcuts.

use yew::prelude::*;

use super::state::Msg;
use super::widgets::button;
use crate::sim::Strategy;

pub(super) fn help(on: &Callback<Msg>) -> Html {
    // The strategy keys, from the one list of strategies.
    let strategy_keys = format!("1 – {}", Strategy::ALL.len());
    let strategies = format!(
        "balancing strategy: {}",
        Strategy::ALL.map(|s| s.label()).join(", ")
    );
    let keys: [(&str, &str); 6] = [
        ("Space", "pause or play"),
        (".", "step 100 ms (and pause)"),
        (&strategy_keys, &strategies),
        ("+  /  −", "faster / slower"),
        ("Esc", "close the inspector"),
        ("?", "show or hide this list"),
    ];
    html! {
        <div class="help" role="dialog" aria-modal="false" aria-label="Keyboard shortcuts">
            <h2>{ "Keyboard shortcuts" }</h2>
            <dl>
                { for keys.iter().map(|(k, v)| html! { <><dt><kbd>{ *k }</kbd></dt><dd>{ *v }</dd></> }) }
            </dl>
            <p class="hint">{ "Click any node or link in the diagram to inspect or change it; Tab reaches every node, Enter opens it." }</p>
            { button(on, "Close".into(), "primary", || Msg::ToggleHelp) }
        </div>
    }
}

pub(super) fn legend() -> Html {
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
