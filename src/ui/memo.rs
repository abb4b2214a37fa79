//! Re-rendering only what changed. The page redraws 60 times a second, but the charts move once a
//! tenth of a simulated second and the control panels only when something is done; a `Memo` renders its
//! content again only when its `version` changes, so Yew skips the rest of the tree.

use yew::prelude::*;

#[derive(Properties)]
pub struct MemoProps {
    /// Anything that changes whenever the content would.
    pub version: u64,
    pub render: Callback<(), Html>,
}

impl PartialEq for MemoProps {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version
    }
}

#[component]
pub fn Memo(props: &MemoProps) -> Html {
    props.render.emit(())
}

/// A version from several parts (a cheap mix, not a cryptographic hash).
pub fn version(parts: &[u64]) -> u64 {
    parts.iter().fold(0xcbf2_9ce4_8422_2325, |h, &p| {
        (h ^ p).wrapping_mul(0x100_0000_01b3)
    })
}
