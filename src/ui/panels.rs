//! The projections the page's main panels re-render from (see `pure`): each holds just what its
//! panel shows, so Yew skips the panel while that is unchanged.

use std::rc::Rc;

use yew::prelude::*;

use super::charts::charts;
use super::compare::compare_setup;
use super::controls::{PanelProps, controls};
use super::database::{DatabaseProps, database_controls};
use super::files::share_panel;
use super::log::EventLog;
use super::pure::{Panel, pure};
use super::state::Msg;
use super::view::View;

/// The charts: a tick's worth of samples (and the fleet's size) at a time; `frame` is the tick.
#[derive(PartialEq)]
pub struct Charts(pub View, pub usize);

impl Panel for Charts {
    fn render(&self) -> Html {
        charts(&self.0)
    }
}

/// The settings panels and the event log: `frame` counts the notes the World has written.
#[derive(PartialEq)]
pub struct Settings {
    pub view: View,
    pub on: Callback<Msg>,
}

impl Panel for Settings {
    fn render(&self) -> Html {
        let (view, on) = (&self.view, &self.on);
        html! { <>
            { controls(&PanelProps { view: view.clone(), on: on.clone() }) }
            { database_controls(&DatabaseProps { view: view.clone(), on: on.clone() }) }
            { pure(Rc::new(EventLog { on: on.clone(), world: view.world.clone(), written: view.frame })) }
        </> }
    }
}

/// Sharing and files: the link changes when the person acts; downloads read the World when
/// clicked.
#[derive(PartialEq)]
pub struct Share {
    pub world: View,
    pub on: Callback<Msg>,
    pub link: Option<String>,
    pub copied: Option<bool>,
}

impl Panel for Share {
    fn render(&self) -> Html {
        share_panel(&self.world, &self.on, self.link.as_deref(), self.copied)
    }
}

/// Side by side's choices: never change.
#[derive(PartialEq)]
pub struct CompareSetup(pub Callback<Msg>);

impl Panel for CompareSetup {
    fn render(&self) -> Html {
        html! { <section class="controls">{ compare_setup(&self.0) }</section> }
    }
}
