//! The top bar: playback, speed, the seed and the simulated clock.

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use super::field::DraftInput;
use super::state::{Msg, SPEEDS};
use super::view::View;
use super::widgets::button;
use crate::sim::decimal::fixed;
use crate::sim::decimal::trim;

#[derive(Properties, PartialEq)]
pub(super) struct TopBarProps {
    pub view: View,
    pub on: Callback<Msg>,
    pub playing: bool,
    pub speed: f64,
    pub hidden: bool,
    pub behind: bool,
    /// The clock shown: the main run's, or the side-by-side runs'.
    pub now: crate::sim::Time,
}

pub(super) fn top_bar(props: &TopBarProps) -> Html {
    let on = &props.on;
    let w = props.view.world.borrow();
    let speed_change = {
        let on = on.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            on.emit(Msg::SetSpeed(super::field::parse_number(&select.value())));
        })
    };
    let status = if props.hidden {
        Some("Paused while the tab is hidden")
    } else if props.behind {
        Some("Busy: the simulation runs slower than the speed asked")
    } else {
        None
    };
    html! {
        <header class="top">
            <h1>{ "ClusterScope" }</h1>
            <div class="playback" role="toolbar" aria-label="Playback">
                { button(on, if props.playing { "Pause" } else { "Play" }.into(), "primary", || Msg::TogglePlay) }
                { button(on, "Step".into(), "", || Msg::Step) }
                { button(on, "Reset".into(), "", || Msg::Reset) }
                <label class="inline" for="speed">{ "Speed" }</label>
                <select id="speed" class="speed" onchange={speed_change}>
                    { for SPEEDS.iter().map(|&s| html! {
                        <option value={trim(s)} selected={(s - props.speed).abs() < 1e-9}>{ format!("{}×", trim(s)) }</option>
                    }) }
                </select>
                { seed_field(w.config().seed, on) }
                <span class="clock" data-metric="sim-time">{ format!("t = {} s", fixed(props.now as f64 / 1e6, 2)) }
                    <span class="pace">{ if props.speed < 1.0 { format!(" · slow motion {}×", trim(props.speed)) } else { " · real time".to_string() } }</span>
                </span>
                if let Some(text) = status {
                    <span class="status-chip" role="status">{ text }</span>
                }
            </div>
            <button type="button" class="help-button" aria-label="Keyboard shortcuts"
                    title="Keyboard shortcuts (?)" onclick={on.reform(|_| Msg::ToggleHelp)}>{ "?" }</button>
        </header>
    }
}

/// The seed as text, committed on Enter or leaving the field; the reducer reports a bad one.
fn seed_field(seed: u64, on: &Callback<Msg>) -> Html {
    let commit = {
        let on = on.clone();
        Callback::from(move |text: String| {
            on.emit(Msg::SetSeed(text));
            None
        })
    };
    html! { <>
        <label class="inline" for="seed">{ "Seed" }</label>
        <DraftInput id="seed" class="seed" value={seed.to_string()} {commit} />
        { button(on, "New seed".into(), "", || Msg::NewSeed) }
    </> }
}
