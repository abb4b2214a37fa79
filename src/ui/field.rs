//! Typed number inputs. The page re-renders 60 times a second and Yew keeps inputs controlled, so
//! each field holds what is being typed as a draft of its own; the value is sent when the person
//! commits it (Enter or leaving the field), clamped by the model's own table, and any change made
//! to it is said beside the field.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::state::Msg;
use crate::sim::knob::{Knob, trim};
use crate::sim::{Action, Config};

#[derive(Properties, PartialEq)]
pub struct NumberProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub unit: AttrValue,
    /// The value now, in the field's unit.
    pub value: f64,
    pub min: f64,
    pub max: f64,
    #[prop_or(1.0)]
    pub step: f64,
    /// Receives what was typed, parsed (NaN when it is not a number); returns a note to show when
    /// the value was changed to fit.
    pub commit: Callback<f64, Option<String>>,
}

#[component]
pub fn NumberField(props: &NumberProps) -> Html {
    let draft = use_state(|| None::<String>);
    let note = use_state(|| None::<String>);
    let shown = (*draft).clone().unwrap_or_else(|| trim(props.value));
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
            // A number input reports "" for text that is not a number.
            let v = input.value().trim().parse::<f64>().unwrap_or(f64::NAN);
            note.set(commit.emit(v));
            draft.set(None);
        })
    };
    let note_id = format!("{}-note", props.id);
    html! {
        <div class="field">
            <label for={props.id.clone()}>{ props.label.clone() }</label>
            <span class="with-unit">
                <input id={props.id.clone()} type="number" inputmode="decimal"
                       min={trim(props.min)} max={trim(props.max)} step={trim(props.step)}
                       value={shown} {oninput} {onchange}
                       aria-describedby={note.is_some().then(|| note_id.clone())} />
                <span class="unit">{ props.unit.clone() }</span>
            </span>
            if let Some(text) = (*note).clone() {
                <p class="field-note" id={note_id} role="status">{ text }</p>
            }
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
    html! {
        <NumberField id={knob.name()} {label} unit={unit} value={current * factor}
                     min={min * factor} max={s.max * factor} {step} {commit} />
    }
}
