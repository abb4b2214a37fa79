//! Typed inputs. The page re-renders 60 times a second and Yew keeps inputs controlled, so
//! each field holds what is being typed as a draft of its own; the value is sent when the person
//! commits it (Enter or leaving the field), clamped by the model's own table, and any change made
//! to it is said beside the field.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::state::Msg;
use crate::sim::decimal::trim;
use crate::sim::knob::Knob;
use crate::sim::{Action, Config};

/// One text or number input that keeps its own draft. `commit` gets the text when the person
/// commits it and returns a note to show beside the field (a clamp, a refusal), or none.
#[derive(Properties, PartialEq)]
pub struct DraftProps {
    pub id: AttrValue,
    /// The value now, shown whenever nothing is being typed.
    pub value: AttrValue,
    #[prop_or(AttrValue::Static("text"))]
    pub kind: AttrValue,
    #[prop_or_default]
    pub unit: Option<AttrValue>,
    #[prop_or_default]
    pub min: Option<AttrValue>,
    #[prop_or_default]
    pub max: Option<AttrValue>,
    #[prop_or_default]
    pub step: Option<AttrValue>,
    #[prop_or_default]
    pub class: Classes,
    #[prop_or_default]
    pub placeholder: Option<AttrValue>,
    pub commit: Callback<String, Option<String>>,
}

/// The page's only stateful input component (one component type keeps the page's code small).
#[component]
pub fn DraftInput(props: &DraftProps) -> Html {
    let draft = use_state(|| None::<String>);
    let note = use_state(|| None::<String>);
    let shown = (*draft).clone().unwrap_or_else(|| props.value.to_string());
    let oninput = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            draft.set(Some(input.value()));
        })
    };
    let onchange = {
        let (draft, note, commit) = (draft.clone(), note.clone(), props.commit.clone());
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            note.set(commit.emit(input.value()));
            draft.set(None);
        })
    };
    let note_id = format!("{}-note", props.id);
    let input = html! {
        <input id={props.id.clone()} type={props.kind.clone()} class={props.class.clone()}
               inputmode={if props.kind == "number" { "decimal" } else { "text" }}
               min={props.min.clone()} max={props.max.clone()} step={props.step.clone()}
               placeholder={props.placeholder.clone()} spellcheck="false" autocomplete="off"
               value={shown} {oninput} {onchange}
               aria-describedby={note.is_some().then(|| note_id.clone())} />
    };
    html! { <>
        if let Some(unit) = props.unit.clone() {
            <span class="with-unit">{ input }<span class="unit">{ unit }</span></span>
        } else {
            { input }
        }
        if let Some(text) = (*note).clone() {
            // A clamp or a refusal is a problem reported to the person: an alert (the contract).
            <p class="field-note" id={note_id} role="alert">{ text }</p>
        }
    </> }
}

/// The number in `text`, or NaN. The browser's own parser (JavaScript `Number`): Rust's would add
/// kilobytes of code to the page for the same answer.
pub fn parse_number(text: &str) -> f64 {
    let text = text.trim();
    if text.is_empty() {
        return f64::NAN; // `Number("")` is 0, which nobody typed
    }
    // Unary plus: strict like `Number(text)` ("12abc" is NaN, unlike parseFloat).
    wasm_bindgen::JsValue::from_str(text).unchecked_into_f64()
}

/// A labelled number field; `commit` gets the number typed (NaN when it is not one: a number
/// input reports "" for such text) and returns the note to show.
#[allow(clippy::too_many_arguments)]
pub fn number_field(
    id: &'static str,
    label: String,
    unit: &'static str,
    value: f64,
    min: f64,
    max: f64,
    step: f64,
    commit: Callback<f64, Option<String>>,
) -> Html {
    let commit = Callback::from(move |text: String| commit.emit(parse_number(&text)));
    html! {
        <div class="field">
            <label for={id}>{ label }</label>
            <DraftInput id={id} kind="number" value={trim(value)} unit={unit}
                        min={trim(min)} max={trim(max)} step={trim(step)} {commit} />
        </div>
    }
}

/// A field for one of the model's [`Knob`]s: shares are typed as percentages.
pub fn knob_field(on: &Callback<Msg>, cfg: &Config, knob: Knob) -> Html {
    let s = knob.spec();
    let factor = if s.unit == "share" { 100.0 } else { 1.0 };
    let unit = match s.unit {
        "share" => "%",
        u => u,
    };
    // Whole numbers, and percentages, step by one.
    let step = if s.integer || s.max <= 1.0 { 1.0 } else { 0.1 };
    let min = if s.zero_is_off { 0.0 } else { s.min };
    let current = knob.get(cfg);
    let commit = {
        let on = on.clone();
        Callback::from(move |typed: f64| {
            let v = typed / factor;
            let clamped = knob.clamp(v, current);
            on.emit(Msg::Do(Action::Tune(knob, v)));
            clamped.note
        })
    };
    let label = if s.zero_is_off {
        format!("{} (0 = off)", s.label)
    } else {
        s.label.to_string()
    };
    number_field(
        knob.name(),
        label,
        unit,
        current * factor,
        min * factor,
        s.max * factor,
        step,
        commit,
    )
}
