//! The browser entry point: mount the app into the page's `#app` element.

fn main() {
    clusterscope::ui::install_panic_hook();
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"));
    match root {
        Some(el) => {
            yew::Renderer::<clusterscope::ui::App>::with_root(el).render();
        }
        None => {
            yew::Renderer::<clusterscope::ui::App>::new().render();
        }
    }
}
