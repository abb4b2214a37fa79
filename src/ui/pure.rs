//! Re-rendering only what changed. The page redraws 60 times a second, but most panels change only
//! when the person acts or the model notes something. Each panel is a [`Pure`] component whose
//! props are a small `PartialEq` projection of the state (a [`Panel`]): Yew compares the new
//! projection with the last and skips the panel, and everything under it, when they are equal.
//!
//! One component type serves every panel, its props type-erased: Yew compiles its component
//! machinery once per component type (about 750 B of the page each, measured), so a component per
//! panel would cost the page several kilobytes for the same skipping.

use std::any::Any;
use std::rc::Rc;

use yew::prelude::*;

/// A projection of the state that knows how to show itself.
pub trait Panel: PartialEq + 'static {
    fn render(&self) -> Html;
}

/// [`Panel`] behind a pointer: its equality across types is "not equal".
pub trait Erased {
    fn show(&self) -> Html;
    fn same(&self, other: &dyn Any) -> bool;
    fn any(&self) -> &dyn Any;
}

impl<T: Panel> Erased for T {
    fn show(&self) -> Html {
        self.render()
    }
    fn same(&self, other: &dyn Any) -> bool {
        other.downcast_ref::<T>() == Some(self)
    }
    fn any(&self) -> &dyn Any {
        self
    }
}

#[derive(Properties, Clone)]
pub struct PureProps {
    pub panel: Rc<dyn Erased>,
}

impl PartialEq for PureProps {
    fn eq(&self, other: &Self) -> bool {
        self.panel.same(other.panel.any())
    }
}

#[component]
pub fn Pure(props: &PureProps) -> Html {
    props.panel.show()
}

/// `panel` as a component that re-renders only when its projection changes.
pub fn pure(panel: Rc<dyn Erased>) -> Html {
    html! { <Pure {panel} /> }
}
