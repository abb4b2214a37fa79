//! The page: one reducer holding the World, one timer driving it, the panels that project it, and
//! the page's habits (keyboard shortcuts, pausing while hidden, reduced motion).

use std::rc::Rc;

use gloo_timers::callback::Interval;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{HtmlInputElement, KeyboardEvent};
use yew::prelude::*;

use super::bench;
use super::compare::compare_view;
use super::database::anomalies;
use super::diagram::{DiagramProps, diagram};
use super::figures::figures;
use super::guide::{help, legend};
use super::inspector::{InspectorProps, inspector};
use super::learn::{LessonCard, Lessons, Quiz};
use super::packets::PacketLayer;
use super::panels::{Charts, CompareSetup, Settings, Share};
use super::pure::pure;
use super::state::{Msg, Playground};
use super::top_bar::{TopBarProps, top_bar};
use super::view::View;
use super::waterfall::{WaterfallProps, waterfall};
use super::widgets::button;
use crate::sim::{Action, Config, Strategy};

/// Timer period: about 60 frames a second.
const TICK_MS: u32 = 16;

fn wall_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// The message a key press stands for, unless the person is typing or using a control.
fn shortcut(e: &KeyboardEvent) -> Option<Msg> {
    if e.ctrl_key() || e.meta_key() || e.alt_key() {
        return None;
    }
    let target = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
    let tag = target
        .map(|t| t.tag_name().to_ascii_lowercase())
        .unwrap_or_default();
    if matches!(tag.as_str(), "input" | "select" | "textarea") {
        return None;
    }
    let key = e.key();
    // Space and Enter on a button or a node press it, not the page.
    let on_control = matches!(tag.as_str(), "button" | "summary" | "g");
    match key.as_str() {
        " " if !on_control => Some(Msg::TogglePlay),
        "." => Some(Msg::Step),
        "+" | "=" => Some(Msg::Faster),
        "-" | "_" => Some(Msg::Slower),
        "?" => Some(Msg::ToggleHelp),
        "Escape" => Some(Msg::Dismiss),
        k => {
            let n: usize = k.parse().ok()?;
            let s = Strategy::ALL.get(n.checked_sub(1)?)?;
            Some(Msg::Do(Action::SetStrategy(*s)))
        }
    }
}

/// Listens to `event` on `target` while the component lives.
fn listen<E: JsCast + 'static>(
    target: web_sys::EventTarget,
    event: &'static str,
    f: impl Fn(E) + 'static,
) -> impl FnOnce() {
    let closure = Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
        if let Ok(e) = e.dyn_into::<E>() {
            f(e)
        }
    });
    let _ = target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
    move || {
        let _ = target.remove_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
        drop(closure);
    }
}

/// The page's own storage (absent in private modes: then progress lasts the visit).
fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

const LESSONS_KEY: &str = "clusterscope.lessons";
const QUIZ_KEY: &str = "clusterscope.quiz";
/// Set once the introduction was dismissed or a lesson started.
const INTRO_KEY: &str = "clusterscope.intro";

/// The fragment after `#`, if any.
fn fragment() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|m| m.matches())
}

#[component]
pub fn App() -> Html {
    let bench_mode = *use_memo((), |_| bench::requested());
    let sim = use_reducer(move || {
        let mut p = Playground::new(if bench_mode {
            bench::config()
        } else {
            Config::default()
        });
        if bench_mode {
            p.speed = bench::SPEED;
        }
        // Progress from earlier visits; anything unreadable counts as none.
        if let Some(s) = storage() {
            let read = |k| s.get_item(k).ok().flatten().unwrap_or_default();
            p.lessons_done = read(LESSONS_KEY).parse().unwrap_or(0);
            p.answers = crate::sim::quiz::decode(&read(QUIZ_KEY));
            p.intro = !bench_mode && read(INTRO_KEY).is_empty() && p.lessons_done == 0;
        }
        p
    });
    // What was last saved to storage.
    let kept = use_mut_ref(|| (u32::MAX, String::new()));
    let motion = use_state(|| !prefers_reduced_motion());
    let frames = use_mut_ref(bench::Frames::default);
    let packet_layer = use_mut_ref(PacketLayer::default);
    let packets_ref = use_node_ref();
    {
        // After every render: the packets are drawn (outside the virtual DOM); the first render
        // marks "first diagram" for the Performance API; in benchmark mode each closes the frame
        // being timed.
        let frames = frames.clone();
        let (world, packets_ref, show, px) =
            (sim.world.clone(), packets_ref.clone(), *motion, sim.px);
        let (done, answers) = (sim.lessons_done, crate::sim::quiz::encode(&sim.answers));
        let intro_seen = !sim.intro;
        use_effect(move || {
            if intro_seen
                && let Some(s) = storage()
                && s.get_item(INTRO_KEY).ok().flatten().is_none()
            {
                let _ = s.set_item(INTRO_KEY, "seen");
            }
            let mut k = kept.borrow_mut();
            if k.0 != done || k.1 != answers {
                if let Some(s) = storage() {
                    let _ = s.set_item(LESSONS_KEY, &done.to_string());
                    let _ = s.set_item(QUIZ_KEY, &answers);
                }
                (k.0, k.1) = (done, answers);
            }
            if let Some(root) = packets_ref.cast::<web_sys::Element>() {
                packet_layer
                    .borrow_mut()
                    .draw(&root, &world.borrow(), show, px);
            }
            if let Some(p) = web_sys::window().and_then(|w| w.performance())
                && p.get_entries_by_name("first-diagram").length() == 0
            {
                let _ = p.mark("first-diagram");
            }
            if bench_mode {
                let report = frames
                    .borrow_mut()
                    .rendered(wall_ms(), bench::packets_drawn());
                if let Some(report) = report {
                    bench::publish(&report);
                }
            }
        });
    }
    {
        let dispatcher = sim.dispatcher();
        let packets = packets_ref.clone();
        use_effect_with((), move |_| {
            let tick = dispatcher.clone();
            let timer = Interval::new(TICK_MS, move || {
                if !bench_mode {
                    return tick.dispatch(Msg::Tick(wall_ms()));
                }
                // Benchmark: a steady simulated clock, so every run does the same work.
                let mut f = frames.borrow_mut();
                if !f.done() {
                    let at = f.start(wall_ms());
                    drop(f);
                    tick.dispatch(Msg::Tick(at));
                }
            });
            let window = web_sys::window().expect("a page has a window");
            let document = window.document().expect("a page has a document");
            let keys = dispatcher.clone();
            let unlisten_keys = listen(
                document.clone().into(),
                "keydown",
                move |e: KeyboardEvent| {
                    if let Some(msg) = shortcut(&e) {
                        e.prevent_default();
                        keys.dispatch(msg);
                    }
                },
            );
            // A shared run: the link's fragment, now and whenever it changes in this tab.
            let open = dispatcher.clone();
            let open_fragment = move || {
                let text = fragment();
                if !text.is_empty() && !bench_mode {
                    open.dispatch(Msg::Open(text, true));
                }
            };
            open_fragment();
            let unlisten_hash = listen(
                window.clone().into(),
                "hashchange",
                move |_: web_sys::Event| open_fragment(),
            );
            // The diagram's width picks its layout (portrait on narrow screens): measured now and
            // on every resize, in whole tens less the canvas's padding, so drawing never shrinks
            // text. (Side by side hides the canvas: its last width stands.)
            let sized = dispatcher.clone();
            let measure = move || {
                // The packet layer's group sits in the diagram, in the canvas.
                if let Some(el) = packets
                    .cast::<web_sys::Element>()
                    .and_then(|g| g.parent_element()?.parent_element())
                {
                    sized.dispatch(Msg::Resize(
                        (el.client_width() - 12).max(0) as u32 / 10 * 10,
                    ));
                }
            };
            measure();
            let unlisten_resize =
                listen(window.into(), "resize", move |_: web_sys::Event| measure());
            let doc = document.clone();
            let unlisten_visibility = listen(
                document.into(),
                "visibilitychange",
                move |_: web_sys::Event| {
                    dispatcher.dispatch(Msg::Hidden(doc.hidden()));
                },
            );
            move || {
                drop(timer);
                unlisten_keys();
                unlisten_hash();
                unlisten_resize();
                unlisten_visibility();
            }
        });
    }
    // One callback for the page's life, so projections holding it compare equal across frames.
    let on = (*use_memo((), {
        let dispatcher = sim.dispatcher();
        move |_| Callback::from(move |msg| dispatcher.dispatch(msg))
    }))
    .clone();
    let view = View {
        world: sim.world.clone(),
        frame: sim.frame,
    };
    // Charts change once a tick (a tenth of a simulated second); the settings panels and the log
    // when the World notes a change (every action, crash, election and health verdict writes a log
    // line); the lesson, questions and link when the person acts or a check fires.
    let (charts, settings) = {
        let w = sim.world.borrow();
        let at = |frame| View {
            world: sim.world.clone(),
            frame,
        };
        let tick = w.series().samples().last().map_or(0, |s| s.tick + 1);
        (
            Charts(at(tick), w.servers().len()),
            Settings {
                view: at(w.notes_written()),
                on: on.clone(),
            },
        )
    };
    let share = Share {
        world: View {
            world: sim.world.clone(),
            frame: 0,
        },
        on: on.clone(),
        link: sim.link.clone(),
        copied: sim.copied,
    };
    let toggle_motion = {
        let motion = motion.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            motion.set(input.checked());
        })
    };
    html! {
        <div class="app">
            { top_bar(&TopBarProps { view: view.clone(), on: on.clone(), playing: sim.playing,
                                     speed: sim.speed, hidden: sim.hidden, behind: sim.behind,
                                     now: sim.compare.as_ref().map_or_else(|| sim.world.borrow().now(), |c| c.borrow().now()) }) }
            if sim.intro {
                <div class="intro" role="region" aria-label="Introduction">
                    <p>{ "ClusterScope runs a small distributed system in your browser — clients, a load balancer, servers and a replicated database — as a real simulation. Fail a node, cut a link or change a setting and watch what happens. New here? Start with the first lesson." }</p>
                    { button(&on, "Start lesson 1".into(), "primary", || Msg::Lesson(Some(0))) }
                    { button(&on, "Got it".into(), "quiet", || Msg::Intro(false)) }
                </div>
            }
            if let Some(text) = sim.notice.clone() {
                <div class="notice" role="alert">
                    <span>{ text }</span>
                    { button(&on, "Dismiss".into(), "quiet", || Msg::Notice(None)) }
                </div>
            }
            <main class="stage">
                <div class="main-column">
                    if let Some(c) = &sim.compare {
                        { compare_view(&on, c) }
                    } else {
                        <div class="canvas">
                            { diagram(&DiagramProps { view: view.clone(), on: on.clone(), selected: sim.selected, motion: *motion, packets: packets_ref.clone(), px: sim.px }) }
                            <div class="under-diagram">
                                { legend() }
                                <label class="check motion">
                                    <input type="checkbox" checked={*motion} onchange={toggle_motion} />
                                    { "Animate packets" }
                                </label>
                            </div>
                        </div>
                        { figures(&view, sim.window, &on) }
                        { anomalies(&view) }
                        { pure(Rc::new(charts)) }
                        { waterfall(&WaterfallProps { view: view.clone(), on: on.clone() }) }
                        // Never changes: rendered once each time the main view returns.
                        { pure(Rc::new(CompareSetup(on.clone()))) }
                    }
                </div>
                <div class="side-column">
                    // Lessons, questions and sharing change only when the person acts or a check fires.
                    <section class="learn" aria-label="Learn and share">
                        { pure(Rc::new(Lessons { on: on.clone(), done: sim.lessons_done, current: sim.lesson.as_ref().map(|p| p.lesson) })) }
                        { pure(Rc::new(Quiz { on: on.clone(), answers: sim.answers.clone() })) }
                        { pure(Rc::new(share)) }
                    </section>
                    // Under the lessons, so that starting one moves nothing above it.
                    if let Some(p) = &sim.lesson {
                        { pure(Rc::new(LessonCard::of(p, sim.asking, &on))) }
                    }
                    if let Some(selected) = sim.selected {
                        { inspector(&InspectorProps { view: view.clone(), on: on.clone(), selected }) }
                    }
                    { pure(Rc::new(settings)) }
                </div>
            </main>
            if sim.help {
                { help(&on) }
            }
        </div>
    }
}
