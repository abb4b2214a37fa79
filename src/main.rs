//! The browser entry point: mount the app into the page's `#app` element.

// Talc in place of dlmalloc: a smaller page, and faster allocation (its WebAssembly benchmarks).
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

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
