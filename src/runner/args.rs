//! The headless runner's flags (docs/DESIGN.md, "Contract: headless runner"). Every value is checked: a
//! bad one is an error that names its flag, never a panic.

use super::flags::{DEFAULT_REQUESTS, Draft, FLAGS, number, unknown};
use crate::sim::time::{SECOND, Time};
use crate::sim::{Action, Config, NodeId, Recorded};

#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub config: Config,
    pub requests: u64,
    pub warmup: Time,
    pub actions: Vec<(Time, Action)>,
    pub json: bool,
    pub bench: bool,
    pub compare: bool,
    /// Where to write one JSON line per client operation.
    pub history: Option<String>,
    /// Check the run's operations for linearizability (`--check`).
    pub check: bool,
    /// A shared page run's actions, each applied at the point it was taken (`--share`).
    pub replay: Vec<Recorded>,
}

/// What the command line asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Run(Box<Plan>),
    Help,
}

fn timed(flag: &str, v: &str, servers: usize, replicas: usize) -> Result<(Time, NodeId), String> {
    let (node, at) = v
        .split_once('@')
        .ok_or_else(|| format!("{flag}: '{v}' is not NODE@SECONDS (e.g. server-2@10)"))?;
    let node: NodeId = node.parse().map_err(|e| format!("{flag}: {e}"))?;
    let secs = number(flag, at)?;
    if !(0.0..=1e9).contains(&secs) {
        return Err(format!("{flag}: {secs} s is outside 0..=1e9"));
    }
    match node {
        NodeId::Server(i) if i < servers => {}
        NodeId::Db(j) if j < replicas => {}
        NodeId::Server(_) | NodeId::Db(_) => {
            return Err(format!(
                "{flag}: there is no {node} (servers: {servers}, replicas: {replicas})"
            ));
        }
        NodeId::Client | NodeId::Lb => {
            return Err(format!(
                "{flag}: {node} cannot fail in this model; pick server-N or db-N"
            ));
        }
    }
    Ok(((secs * SECOND as f64).round() as Time, node))
}

/// Parses the flags (without the program name). lexopt splits them (`--flag value` and
/// `--flag=value`); the table above says what each means.
pub fn parse_args(args: &[String]) -> Result<Command, String> {
    use lexopt::Arg;
    let mut d = Draft {
        cfg: Config::default(),
        requests: DEFAULT_REQUESTS,
        warmup: 0.0,
        json: false,
        bench: false,
        compare: false,
        check: false,
        timed: Vec::new(),
        partitions: Vec::new(),
        history: None,
        replay: Vec::new(),
    };
    let mut p = lexopt::Parser::from_args(args);
    loop {
        let arg = match p.next() {
            Ok(Some(arg)) => arg,
            Ok(None) => break,
            Err(e) => return Err(lexopt_error(e)),
        };
        let given = match arg {
            Arg::Long("help") | Arg::Short('h') => return Ok(Command::Help),
            Arg::Long(name) => format!("--{name}"),
            Arg::Short(c) => return Err(unknown(&format!("-{c}"))),
            Arg::Value(v) => {
                let v = v.to_string_lossy();
                return Err(format!("{v}: not a flag (flags start with --; see --help)"));
            }
        };
        let Some(f) = FLAGS.iter().find(|f| f.name == given) else {
            return Err(unknown(&given));
        };
        let value = if f.value.is_empty() {
            String::new()
        } else {
            let v = p
                .value()
                .map_err(|_| format!("{}: needs a value", f.name))?;
            v.into_string()
                .map_err(|_| format!("{}: the value is not valid text", f.name))?
        };
        f.apply(&mut d, &value)?;
    }
    let cfg = d.cfg;
    cfg.validate()
        .map_err(|e| format!("--{}: {}", e.field, e.message))?;
    if d.requests > 1_000_000_000 {
        return Err(format!(
            "--requests: {} is more than 1000000000",
            d.requests
        ));
    }
    let mut actions = Vec::new();
    for p in &d.partitions {
        actions.extend(partition(p, cfg.servers, cfg.replicas)?);
    }
    for (flag, v) in &d.timed {
        let (at, node) = timed(flag, v, cfg.servers, cfg.replicas)?;
        let action = match *flag {
            "--fail" => Action::Fail(node),
            "--recover" => Action::Recover(node),
            _ if matches!(node, NodeId::Server(_)) => Action::Slow(node),
            _ => return Err(format!("{flag}: only servers can be slowed, not {node}")),
        };
        actions.push((at, action));
    }
    let warmup = (d.warmup * SECOND as f64).round() as Time;
    Ok(Command::Run(Box::new(Plan {
        config: cfg,
        requests: d.requests,
        warmup,
        actions,
        json: d.json,
        bench: d.bench,
        compare: d.compare,
        history: d.history,
        check: d.check,
        replay: d.replay,
    })))
}

/// lexopt's own errors, in this runner's form: the flag first, one line.
fn lexopt_error(e: lexopt::Error) -> String {
    match e {
        lexopt::Error::UnexpectedValue { option, .. } => {
            format!("{option}: takes no value (it is a switch)")
        }
        other => format!("{other} (see --help)"),
    }
}

/// `GROUP|GROUP[|…][@FROM-TO]`: cut every link between nodes of different groups at FROM seconds
/// (default 0) and heal them at TO (default: never).
fn partition(v: &str, servers: usize, replicas: usize) -> Result<Vec<(Time, Action)>, String> {
    let flag = "--partition";
    let (groups, window) = match v.split_once('@') {
        Some((g, w)) => (g, Some(w)),
        None => (v, None),
    };
    let (from, to) = match window {
        None => (0.0, None),
        Some(w) => {
            let (a, b) = w
                .split_once('-')
                .ok_or_else(|| format!("{flag}: '{w}' is not FROM-TO (seconds, e.g. 10-20)"))?;
            let (a, b) = (number(flag, a)?, number(flag, b)?);
            if !(0.0..=1e9).contains(&a) || !(a..=1e9).contains(&b) {
                return Err(format!("{flag}: {a}-{b} is not a window within 0..=1e9 s"));
            }
            (a, Some(b))
        }
    };
    let groups: Vec<Vec<NodeId>> = groups
        .split('|')
        .map(|g| {
            g.split(',')
                .map(|n| {
                    let node: NodeId = n.trim().parse().map_err(|e| format!("{flag}: {e}"))?;
                    match node {
                        NodeId::Server(i) if i >= servers => {
                            Err(format!("{flag}: there is no {node}"))
                        }
                        NodeId::Db(j) if j >= replicas => {
                            Err(format!("{flag}: there is no {node}"))
                        }
                        _ => Ok(node),
                    }
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<_, _>>()?;
    if groups.len() < 2 {
        return Err(format!(
            "{flag}: '{v}' needs at least two groups separated by |"
        ));
    }
    let at = |s: f64| (s * SECOND as f64).round() as Time;
    let mut out = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        for h in &groups[i + 1..] {
            for &a in g {
                for &b in h {
                    out.push((at(from), Action::Cut(a, b)));
                    if let Some(to) = to {
                        out.push((at(to), Action::Heal(a, b)));
                    }
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::flags::{WIDTH, usage};
    use crate::sim::Strategy;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    fn err(s: &str) -> String {
        parse_args(&args(s)).unwrap_err()
    }

    #[test]
    fn flags_fill_the_plan() {
        let Command::Run(p) = parse_args(&args(
            "--seed 9 --servers 10 --strategy power-of-two --queue-cap inf --latency-ms 0 \
             --no-db --requests 500 --warmup-s 2.5 --fail server-2@10 --recover server-2@20 --json",
        ))
        .unwrap() else {
            panic!("not a run")
        };
        assert_eq!(
            (p.config.seed, p.config.servers, p.config.strategy),
            (9, 10, Strategy::PowerOfTwo)
        );
        assert_eq!(
            (p.config.queue_cap, p.config.latency_ms, p.config.use_db),
            (usize::MAX, 0.0, false)
        );
        assert_eq!((p.requests, p.warmup, p.json), (500, 2_500_000, true));
        assert_eq!(
            p.actions,
            [
                (10 * SECOND, Action::Fail(NodeId::Server(1))),
                (20 * SECOND, Action::Recover(NodeId::Server(1)))
            ]
        );
    }

    #[test]
    fn one_flag_per_setting_and_help_shows_the_true_defaults() {
        let defaults = Config::default();
        for f in FLAGS.iter().filter(|f| f.name != "--requests") {
            let Some(shown) = f.default_text(&defaults) else {
                continue;
            };
            let Command::Run(p) = parse_args(&args(&format!("{} {shown}", f.name))).unwrap() else {
                panic!("{}: not a run", f.name)
            };
            assert_eq!(p.config, defaults, "{} {shown}", f.name);
        }
        let help = usage();
        for f in FLAGS.iter() {
            assert!(
                help.contains(&format!("  {} ", f.name)),
                "{} missing from --help",
                f.name
            );
        }
        assert!(help.lines().all(|l| l.chars().count() <= WIDTH), "{help}");
        for s in Strategy::ALL {
            assert!(help.contains(s.name()), "{s} missing from --help");
        }
        // Every setting of the table has its flag, the by-hand ones too (`use-db` is `--no-db`).
        let mut c = defaults.clone();
        let names: Vec<&str> = (0..).map_while(|i| c.slot(i).map(|(n, _)| n)).collect();
        assert_eq!(names.len(), format!("{defaults:?}").matches(": ").count());
        for name in names {
            let flag = match name {
                "use-db" => "--no-db".to_string(),
                n => format!("--{n}"),
            };
            assert!(FLAGS.iter().any(|f| f.name == flag), "no flag for {name}");
        }
    }

    #[test]
    fn values_may_join_their_flags_and_a_typo_is_answered_with_the_closest_flag() {
        let Command::Run(p) = parse_args(&args("--seed=7 --strategy=random")).unwrap() else {
            panic!("not a run")
        };
        assert_eq!((p.config.seed, p.config.strategy), (7, Strategy::Random));
        assert!(err("--arival-rate 5").contains("did you mean --arrival-rate?"));
        assert!(err("--servrs 5").contains("did you mean --servers?"));
        assert!(err("--jsno").contains("did you mean --json?"));
        assert!(!err("--frobnicate").contains("did you mean"));
        assert!(err("--json=1").starts_with("--json:"));
        assert!(err("stray").starts_with("stray:"));
    }

    #[test]
    fn bad_flags_name_themselves() {
        assert!(err("--bogus").starts_with("--bogus:"));
        assert!(err("--servers").starts_with("--servers: needs a value"));
        assert!(err("--servers abc").starts_with("--servers:"));
        assert!(err("--servers 0").starts_with("--servers:"));
        assert!(err("--servers 10001").starts_with("--servers:"));
        assert!(err("--arrival-rate NaN").starts_with("--arrival-rate:"));
        assert!(err("--arrival-rate -3").starts_with("--arrival-rate:"));
        assert!(err("--latency-ms inf").starts_with("--latency-ms:"));
        assert!(err("--strategy fastest").contains("round-robin"));
        assert!(err("--fail server-9@3").contains("no server-9"));
        assert!(err("--fail lb@3").starts_with("--fail:"));
        assert!(err("--fail server-1").starts_with("--fail:"));
        assert!(err("--recover db-1@-4").starts_with("--recover:"));
        assert!(err("--slow db-1@4").starts_with("--slow:"));
        assert!(err("--warmup-s -1").starts_with("--warmup-s:"));
        assert!(err("--queue-cap lots").starts_with("--queue-cap:"));
    }
}
