//! The runner's flags as one table: each flag's name, value, meaning, the model's list of names
//! where it takes one, its default (read from `Config::default()`) and how it sets the run. The
//! parser (`args.rs`), `--help` and the closest-flag hint all read it.

use std::str::FromStr;
use std::sync::LazyLock;

use crate::sim::config::{FLAG_TEXTS, Slot};
use crate::sim::shape::TrafficShape;
use crate::sim::share::Scenario;
use crate::sim::{Config, Recorded};

const INTRO: &str = "\
clusterscope-sim: run the ClusterScope simulation without a browser and print a summary.

USAGE: clusterscope-sim [FLAGS]   (a value follows its flag, or joins it: --seed=7)
";

/// Requests issued when `--requests` is not given.
pub(super) const DEFAULT_REQUESTS: u64 = 10_000;

/// What the flags build up, before it is checked as a whole.
pub(super) struct Draft {
    pub(super) cfg: Config,
    pub(super) requests: u64,
    pub(super) warmup: f64,
    pub(super) json: bool,
    pub(super) bench: bool,
    pub(super) compare: bool,
    pub(super) check: bool,
    /// `--fail`, `--recover`, `--slow` with their values: read once the fleet's size is known.
    pub(super) timed: Vec<(&'static str, String)>,
    pub(super) partitions: Vec<String>,
    pub(super) history: Option<String>,
    pub(super) replay: Vec<Recorded>,
}

/// How a flag sets the run: a setting of the table in config.rs (its index there), or by hand.
pub(super) enum Set {
    Setting(usize),
    By(fn(&mut Draft, &'static str, &str) -> Result<(), String>),
}

/// One flag: the runner's flags, `--help` and the closest-flag hint all come from [`FLAGS`].
pub(super) struct Flag {
    pub(super) name: &'static str,
    /// The value's placeholder; empty for a switch.
    pub(super) value: &'static str,
    help: &'static str,
    /// The default as `--help` shows it, read from `Config::default()`: help cannot drift from it.
    pub(super) default: Option<fn(&Config, usize) -> String>,
    pub(super) set: Set,
}

/// A setting's value as a person writes it (`--help`'s defaults; parsed back by [`set`]).
fn shown(c: &Config, i: usize) -> String {
    match c.clone().slot(i).expect("a setting").1 {
        Slot::F64(v) => v.to_string(),
        Slot::U64(v) => v.to_string(),
        Slot::Usize(v) => v.to_string(),
        Slot::U32(v) => v.to_string(),
        Slot::Bool(v) => v.to_string(),
        Slot::Name(v) => v.text().into(),
        Slot::Shape(v) => v.spell(),
    }
}

/// Sets setting `i` of `cfg` from a flag's text (a switch's text is empty: it turns it on).
fn set(cfg: &mut Config, i: usize, flag: &str, v: &str) -> Result<(), String> {
    match cfg.slot(i).expect("a setting").1 {
        Slot::F64(x) => *x = number(flag, v)?,
        Slot::U64(x) => *x = whole(flag, v)?,
        Slot::Usize(x) => *x = whole(flag, v)?,
        Slot::U32(x) => *x = whole(flag, v)?,
        Slot::Bool(x) => *x = true,
        Slot::Name(x) => {
            if !x.set_text(v) {
                let names = x.names().join(" or ");
                return Err(format!("{flag}: unknown value '{v}' (expected {names})"));
            }
        }
        Slot::Shape(x) => *x = TrafficShape::parse(v).map_err(|e| format!("{flag}: {e}"))?,
    }
    Ok(())
}

/// A flag with no default to show (a switch, or one that may repeat).
const fn plain(
    name: &'static str,
    value: &'static str,
    help: &'static str,
    set: fn(&mut Draft, &'static str, &str) -> Result<(), String>,
) -> Flag {
    Flag {
        name,
        value,
        help,
        default: None,
        set: Set::By(set),
    }
}

/// `--autoscale target=0.6,min=2,…`: each part sets the `--autoscale-…` setting of that name.
fn autoscale(d: &mut Draft, flag: &'static str, v: &str) -> Result<(), String> {
    for part in v.split(',') {
        let (key, value) = part
            .split_once('=')
            .ok_or_else(|| format!("{flag}: '{part}' should be NAME=VALUE"))?;
        let name = format!("autoscale-{key}");
        let i = (0..)
            .map_while(|i| d.cfg.slot(i).map(|(n, _)| n))
            .position(|n| n == name)
            .filter(|_| !key.is_empty())
            .ok_or_else(|| {
                format!("{flag}: unknown part '{key}' (expected target, min, max, startup-s, cooldown-s)")
            })?;
        set(&mut d.cfg, i, flag, value)?;
    }
    Ok(())
}

/// `N|inf`: a whole number, or `inf` (as `inf_as`).
fn whole_or_inf<T: FromStr>(flag: &str, v: &str, inf_as: T) -> Result<T, String> {
    if v == "inf" {
        Ok(inf_as)
    } else {
        parse(flag, v, "a whole number or inf")
    }
}

/// Every flag: one per setting of the table in config.rs (named as the setting), then the
/// settings spelled by hand and the run's own flags.
pub(super) static FLAGS: LazyLock<Vec<Flag>> = LazyLock::new(|| {
    let mut flags = Vec::new();
    let mut cfg = Config::default();
    for (i, text) in FLAG_TEXTS.iter().enumerate() {
        let name = cfg.slot(i).expect("a setting").0;
        if let Some((value, help)) = *text {
            flags.push(Flag {
                name: Box::leak(format!("--{name}").into_boxed_str()),
                value,
                help,
                default: (!value.is_empty()).then_some(shown as fn(&Config, usize) -> String),
                set: Set::Setting(i),
            });
        }
    }
    flags.extend(by_hand());
    flags
});

#[rustfmt::skip]
fn by_hand() -> [Flag; 17] {
    [
    Flag { name: "--queue-cap", value: "N|inf", help: "waiting requests a server holds before rejecting",
        default: Some(|c, _| if c.queue_cap == usize::MAX { "inf".into() } else { c.queue_cap.to_string() }),
        set: Set::By(|d, f, v| { d.cfg.queue_cap = whole_or_inf(f, v, usize::MAX)?; Ok(()) }) },
    Flag { name: "--client-pool", value: "N|inf",
        help: "requests the clients may have outstanding; one more fails at once (cause client_pool); inf = no limit, for theory runs",
        default: Some(|c, _| if c.client_pool == 0 { "inf".into() } else { c.client_pool.to_string() }),
        set: Set::By(|d, f, v| {
            if v == "0" {
                return Err(format!("{f}: 0 would refuse every request; use 'inf' for no limit"));
            }
            d.cfg.client_pool = whole_or_inf(f, v, 0)?;
            Ok(())
        }) },
    plain("--no-db", "", "requests do not touch the database",
        |d, _, _| { d.cfg.use_db = false; Ok(()) }),
    plain("--autoscale", "target=F,min=N,max=N,startup-s=S,cooldown-s=S",
        "autoscaling in one flag: the --autoscale-* settings by their short names (any subset)",
        autoscale),
    Flag { name: "--requests", value: "N", help: "stop issuing after N requests, then drain",
        default: Some(|_, _| DEFAULT_REQUESTS.to_string()),
        set: Set::By(|d, f, v| { d.requests = whole(f, v)?; Ok(()) }) },
    Flag { name: "--warmup-s", value: "S", help: "leave the first S simulated seconds out of latency figures",
        default: Some(|_, _| "0".into()),
        set: Set::By(|d, f, v| {
            d.warmup = number(f, v)?;
            if !(0.0..=1e9).contains(&d.warmup) {
                return Err(format!("{f}: {} is outside 0..=1e9", d.warmup));
            }
            Ok(())
        }) },
    plain("--fail", "NODE@S", "crash NODE (server-N, db-N) at S simulated seconds (repeatable)",
        |d, f, v| { d.timed.push((f, v.into())); Ok(()) }),
    plain("--recover", "NODE@S", "bring NODE back at S seconds (repeatable)",
        |d, f, v| { d.timed.push((f, v.into())); Ok(()) }),
    plain("--slow", "NODE@S", "degrade server NODE at S seconds (repeatable)",
        |d, f, v| { d.timed.push((f, v.into())); Ok(()) }),
    plain("--partition", "G|G[@A-B]", "cut links between groups of nodes (e.g. db-1|db-2,db-3@10-20), repeatable",
        |d, _, v| { d.partitions.push(v.into()); Ok(()) }),
    plain("--history", "FILE", "write one JSON line per client operation to FILE",
        |d, _, v| { d.history = Some(v.into()); Ok(()) }),
    plain("--check", "", "check the run's operations for linearizability (per key, a register); the JSON gains a check block (keys, verdict, first violation)",
        |d, _, _| { d.check = true; Ok(()) }),
    plain("--share", "LINK", "replay a run shared from the page (its #fragment): its settings, seed and actions, each at the point it was taken; flags after it change them",
        |d, f, v| {
            let s = Scenario::decode(v).map_err(|e| format!("{f}: {e}"))?;
            d.cfg = s.config;
            d.replay = s.actions;
            Ok(())
        }),
    plain("--json", "", "print the summary as one JSON object", |d, _, _| { d.json = true; Ok(()) }),
    plain("--compare", "", "run the same traffic (same seed) once per strategy and compare",
        |d, _, _| { d.compare = true; Ok(()) }),
    plain("--bench", "", "measure simulated requests per second for every strategy",
        |d, _, _| { d.bench = true; Ok(()) }),
    plain("--help", "", "this text", |_, _, _| Ok(())),
    ]
}

impl Flag {
    /// Applies the flag with its text `v` to the draft.
    pub(super) fn apply(&self, d: &mut Draft, v: &str) -> Result<(), String> {
        match self.set {
            Set::Setting(i) => set(&mut d.cfg, i, self.name, v),
            Set::By(f) => f(d, self.name, v),
        }
    }

    /// The values a named setting takes, from the model's own list.
    fn choices(&self) -> Option<Vec<&'static str>> {
        let Set::Setting(i) = self.set else {
            return None;
        };
        match Config::default().slot(i)?.1 {
            Slot::Name(v) => Some(v.names()),
            _ => None,
        }
    }

    /// The default as `--help` shows it.
    pub(super) fn default_text(&self, c: &Config) -> Option<String> {
        let i = match self.set {
            Set::Setting(i) => i,
            Set::By(_) => 0,
        };
        self.default.map(|d| d(c, i))
    }
}

/// Help lines wrap here; descriptions start at `COLUMN`.
pub(super) const WIDTH: usize = 100;
const COLUMN: usize = 27;

/// `--help`, generated from the flag table: names, values, meanings, the model's own lists of
/// names, and the defaults of `Config::default()`.
pub fn usage() -> String {
    let defaults = Config::default();
    let mut out = String::from(INTRO);
    out.push('\n');
    for f in FLAGS.iter() {
        let mut text = f.help.to_string();
        if let Some(list) = f.choices() {
            text = format!("{text}: {}", list.join(" | "));
        }
        let mut words: Vec<String> = text.split(' ').map(String::from).collect();
        // "(default X)" stays on one line.
        words.extend(f.default_text(&defaults).map(|d| format!("(default {d})")));
        let head = format!("  {} {}", f.name, f.value);
        let mut line = format!("{head:<COLUMN$}");
        if head.len() >= COLUMN {
            line = format!("{head} ");
        }
        for word in &words {
            if line.len() + word.len() >= WIDTH && line.trim_start().len() > head.trim().len() {
                out.push_str(line.trim_end());
                out.push('\n');
                line = " ".repeat(COLUMN);
            }
            line.push_str(word);
            line.push(' ');
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Edit distance (Levenshtein), for the closest-flag hint.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let here = (prev + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            prev = row[j + 1];
            row[j + 1] = here;
        }
    }
    row[b.len()]
}

/// "unknown flag", with the closest known one when it is close (a typo, a missing letter).
pub(super) fn unknown(given: &str) -> String {
    let best = FLAGS
        .iter()
        .map(|f| (distance(given, f.name), f.name))
        .min()
        .filter(|&(d, name)| d <= 3.max(name.len() / 4));
    match best {
        Some((_, name)) => format!("{given}: unknown flag; did you mean {name}? (see --help)"),
        None => format!("{given}: unknown flag (see --help)"),
    }
}

pub(super) fn parse<T: FromStr>(flag: &str, v: &str, what: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| format!("{flag}: '{v}' is not {what}"))
}

pub(super) fn number(flag: &str, v: &str) -> Result<f64, String> {
    let x: f64 = parse(flag, v, "a number")?;
    if x.is_finite() {
        Ok(x)
    } else {
        Err(format!("{flag}: '{v}' is not a finite number"))
    }
}

/// A whole number.
fn whole<T: FromStr>(flag: &str, v: &str) -> Result<T, String> {
    parse(flag, v, "a whole number")
}
