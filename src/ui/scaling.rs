//! Traffic shapes and the autoscaler's controls: the shape as text (any shape the runner takes),
//! buttons for the common ones around the current rate, and the autoscaler's knobs with what it is
//! doing. Each only dispatches an action; the model decides.

use std::cell::RefCell;
use std::rc::Rc;

use yew::prelude::*;

use super::field::{DraftInput, knob_field};
use super::state::Msg;
use super::widgets::button;
use crate::sim::knob::Knob;
use crate::sim::shape::TrafficKind;
use crate::sim::{Action, TrafficShape, World};

/// The traffic's shape: its text (Enter applies; a bad one is named beside the field) and presets.
pub fn traffic_shape(w: &World, on: &Callback<Msg>) -> Html {
    let cfg = w.config();
    let commit = {
        let on = on.clone();
        Callback::from(move |text: String| match TrafficShape::parse(text.trim()) {
            Ok(shape) => {
                on.emit(Msg::Do(Action::SetTraffic(shape)));
                None
            }
            Err(e) => Some(format!("Traffic shape: {e}")),
        })
    };
    // The World places the shape at the moment the press reaches it (this panel may have been
    // drawn seconds before).
    let preset = |kind: TrafficKind, label: &'static str| {
        button(on, label.into(), "quiet", move || {
            Msg::Do(Action::TrafficPreset(kind))
        })
    };
    html! {
        <div class="field">
            <label for="traffic">{ "Traffic shape (Enter applies; times are simulated seconds)" }</label>
            <DraftInput id="traffic" value={cfg.traffic.spell()} placeholder="step:60@0,180@30" {commit} />
            if cfg.traffic != TrafficShape::Steady {
                <p class="hint">{ "The shape sets the rate now (Arrival rate counts again under Steady)." }</p>
            }
            <div class="row">
                { preset(TrafficKind::Steady, "Steady") }
                { preset(TrafficKind::Spike, "Spike ×4 for 10 s") }
                { preset(TrafficKind::Step, "Step to ×3") }
                { preset(TrafficKind::Wave, "Wave ±50 %") }
            </div>
        </div>
    }
}

/// The autoscaler's knobs, and what it is doing.
pub fn autoscaling(world: &Rc<RefCell<World>>, on: &Callback<Msg>) -> Html {
    let w = world.borrow();
    let cfg = w.config();
    let s = w.scaling();
    let status = if cfg.autoscale_target > 0.0 {
        format!(
            "Wants {} servers; {} in service, {} starting. {} scale-outs, {} scale-ins so far.",
            s.desired,
            w.serving(),
            s.starting,
            s.scale_outs,
            s.scale_ins
        )
    } else {
        "Off: set a target utilisation to turn it on.".to_string()
    };
    html! { <>
        <p class="hint">{ "It counts the requests of the last 5 s and keeps enough servers for each to be as busy as the target. New servers join after their start-up time, then earn traffic by passing health checks; it removes servers (draining them) only after the cooldown." }</p>
        { knob_field(on, cfg, Knob::AutoscaleTarget) }
        <div class="pair">
            { knob_field(on, cfg, Knob::AutoscaleMin) }
            { knob_field(on, cfg, Knob::AutoscaleMax) }
            { knob_field(on, cfg, Knob::AutoscaleStartupS) }
            { knob_field(on, cfg, Knob::AutoscaleCooldownS) }
        </div>
        <p class="hint" data-autoscale={s.desired.to_string()}>{ status }</p>
    </> }
}
