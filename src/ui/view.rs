//! What the panels read: the World and the frame it is at. Its own module, so the panels that take
//! it depend on it and not on the page (`app`) that lays them out.

use std::cell::RefCell;
use std::rc::Rc;

use yew::prelude::*;

use crate::sim::World;

/// The World and the frame it is at (panels re-render when the frame moves).
#[derive(Properties, Clone)]
pub struct View {
    pub world: Rc<RefCell<World>>,
    pub frame: u64,
}

impl PartialEq for View {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.world, &other.world) && self.frame == other.frame
    }
}
