//! The interactive shell (`netpry` on a terminal, or `netpry repl`): a rustyline loop where each
//! input is a Rhai script over the tables, with completion, hints, multi-line input, persistent
//! history (`$XDG_STATE_HOME/netpry/history`), dot-commands and a pager for long output.
//!
//! Variables and functions persist across inputs. Data is collected once and reused until
//! `.refresh` or until it is older than [`DATA_MAX_AGE`]. Ctrl-C cancels a running evaluation or
//! the current input; Ctrl-D on an empty line leaves. No error leaves the shell: each is printed
//! and the prompt comes back. With standard input not a terminal, stdin is evaluated as one
//! script without prompts.

mod commands;
mod explain;
mod helper;
mod lex;
mod pager;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use rustyline::error::ReadlineError;
use rustyline::history::{DefaultHistory, History};
use rustyline::{CompletionType, Config, Editor};

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::model::Table;
use crate::render::{self, Format, RenderOpts};
use crate::script::{self, Output, Script, Settings, VarShape};

pub use explain::explain;
pub use helper::{ReplHelper, VarKind, Vocabulary};
pub use pager::Pager;

/// How long collected data is reused before the next evaluation collects it again.
pub const DATA_MAX_AGE: Duration = Duration::from_secs(5);

/// Most history entries kept.
const HISTORY_SIZE: usize = 5000;

/// What the shell was started with.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Read tables from these snapshots instead of the kernel (several: a fleet).
    pub snapshot: Vec<PathBuf>,
    /// Initial output format.
    pub format: Option<Format>,
}

/// The shell's state between inputs.
pub struct ReplSession {
    catalog: Rc<Catalog>,
    evaluator: script::ScriptSession,
    /// The snapshots being read, if any (several: a fleet).
    pub snapshot: Vec<PathBuf>,
    /// Output format of results.
    pub format: Format,
    /// Whether to print evaluation times.
    pub timer: bool,
    /// Long-output handling.
    pub pager: Pager,
    /// When the cached data was first used (None: nothing cached yet).
    fresh_since: Option<Instant>,
}

/// Runs the shell: interactive on a terminal, otherwise stdin as one script. Returns the exit
/// status.
pub fn run(opts: Options) -> Result<u8> {
    if std::io::stdin().is_terminal() {
        interactive(opts)
    } else {
        let src = crate::input::read_stdin(crate::input::Kind::Script)
            .and_then(crate::input::script_text)
            .map_err(|p| Error::Usage(format!("the script on standard input {p}")))?;
        let mut session = ReplSession::new(&opts)?;
        session.pager.enabled = false;
        Ok(session.eval_script(&src, "<stdin>"))
    }
}

impl ReplSession {
    /// A session reading the snapshot or the kernel, as `opts` says.
    pub fn new(opts: &Options) -> Result<ReplSession> {
        let catalog = Rc::new(crate::front::catalog(&opts.snapshot)?);
        let format = opts.format.unwrap_or_default();
        let evaluator =
            script::ScriptSession::new(Rc::clone(&catalog), Settings::new(render_opts(format)));
        Ok(ReplSession {
            catalog,
            evaluator,
            snapshot: opts.snapshot.clone(),
            format,
            timer: false,
            pager: Pager::default(),
            fresh_since: None,
        })
    }

    /// The prompt: `netpry> `, or `netpry[FILE]> ` when reading a snapshot; `@NETNS` after
    /// `netpry` when a namespace (or `all`) was chosen with `--netns`, `--all-netns` or `.netns`.
    pub fn prompt(&self) -> String {
        let ns = crate::namespaces::choice().label();
        let ns = if ns.is_empty() { ns } else { format!("@{ns}") };
        match self.snapshot.as_slice() {
            [] => format!("netpry{ns}> "),
            [p] if !crate::fleet::is_fleet(&self.snapshot) => {
                let name = p.file_name().map_or_else(
                    || p.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                format!("netpry{ns}[{name}]> ")
            }
            _ => {
                let n = self
                    .catalog
                    .fleet()
                    .map_or(self.snapshot.len(), |f| f.members().len());
                format!("netpry{ns}[{n} snapshots]> ")
            }
        }
    }

    /// `.netns [X|all|-]`: reads namespace X, every namespace, or (`-`) the one netpry started
    /// in from now on; without an argument, shows the current choice. Variables stay.
    pub fn set_netns(&mut self, arg: Option<&str>) -> Result<()> {
        use crate::namespaces::{self as ns, Choice};
        let Some(arg) = arg else {
            let label = ns::choice().label();
            self.show(if label.is_empty() {
                "the namespace netpry started in"
            } else {
                &label
            });
            return Ok(());
        };
        let live = self.snapshot.is_empty();
        let choice = match arg {
            "-" => Choice::Current,
            "all" => Choice::All,
            spec => Choice::One {
                spec: spec.to_string(),
                inode: None,
            },
        };
        if live && choice != Choice::Current {
            ns::require_cap(".netns")?;
        }
        let choice = match (live, choice) {
            (true, Choice::One { spec, .. }) => {
                let t = ns::resolve(&spec)?;
                ns::enter(&t)?;
                Choice::One {
                    spec: t.label,
                    inode: Some(t.inode),
                }
            }
            (true, c) => {
                ns::leave()?;
                c
            }
            (false, c) => c,
        };
        let before = ns::choice();
        ns::set_choice(choice);
        match crate::front::catalog(&self.snapshot) {
            Ok(cat) => {
                self.catalog = Rc::new(cat);
                self.evaluator.set_catalog(Rc::clone(&self.catalog));
                self.fresh_since = None;
                Ok(())
            }
            Err(e) => {
                ns::set_choice(before);
                Err(e)
            }
        }
    }

    /// Names for completion: table methods and helper functions from the engine's registry,
    /// and the saved scripts.
    pub fn vocabulary(&self) -> Vocabulary {
        let (methods, functions) = self.evaluator.vocabulary();
        let scripts = script::saved::all().scripts.into_keys().collect();
        Vocabulary {
            methods,
            functions,
            scripts,
        }
    }

    /// The variables of the scope, classified for completion.
    pub fn variables(&self) -> std::collections::BTreeMap<String, VarKind> {
        self.evaluator
            .variables()
            .into_iter()
            .map(|(name, shape)| {
                let kind = match shape {
                    VarShape::Table(c) => VarKind::Table(c),
                    VarShape::Row(c) => VarKind::Row(c),
                    VarShape::Other => VarKind::Other,
                };
                (name, kind)
            })
            .collect()
    }

    /// Shows text through the pager.
    pub fn show(&self, text: &str) {
        if let Err(e) = self.pager.show(text) {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                crate::errln!("netpry: writing output: {e}");
            }
        }
    }

    /// Renders a table in the session's format, fitted to the terminal, and shows it.
    pub fn show_table(&self, table: &Table) {
        match render_table(table, self.format) {
            Ok(text) => self.show(&text),
            Err(e) => self.error(&e.to_string()),
        }
    }

    /// Prints an error line.
    pub fn error(&self, message: &str) {
        let message = crate::console::visible(message);
        if std::io::stderr().is_terminal() {
            crate::errln!("\x1b[31merror:\x1b[0m {message}");
        } else {
            crate::errln!("error: {message}");
        }
    }

    /// Forgets collected data so the next evaluation collects afresh.
    pub fn refresh(&mut self) {
        self.catalog.refresh();
        self.fresh_since = None;
        if !self.snapshot.is_empty() {
            self.show("reading a snapshot: its data never changes");
        } else {
            self.show("the next input collects fresh data");
        }
    }

    /// Drops data older than [`DATA_MAX_AGE`] before an evaluation.
    fn age_data(&mut self) {
        match self.fresh_since {
            Some(t) if t.elapsed() > DATA_MAX_AGE => {
                self.catalog.refresh();
                self.fresh_since = Some(Instant::now());
            }
            Some(_) => {}
            None => self.fresh_since = Some(Instant::now()),
        }
    }

    /// Evaluates one input in the session's scope and shows its value; errors are printed,
    /// never returned.
    pub fn eval_and_show(&mut self, src: &str) {
        self.age_data();
        self.evaluator.settings.render = render_opts(self.format);
        let started = Instant::now();
        let result = self.evaluator.eval("<repl>", src);
        self.finish(result, started);
    }

    /// Runs a saved script (by name) or a script file (a path) with `args`, in a scope of its
    /// own, over the session's data.
    pub fn run_script(&mut self, script: &str, args: &[String]) {
        let (name, source) = if script.contains('/') || script.ends_with(".rhai") {
            match crate::input::read_script(Path::new(script)) {
                Ok(s) => (script.to_string(), s),
                Err(p) => return self.error(&format!("cannot read script {script}: {p}")),
            }
        } else {
            match script::saved::find(script) {
                Ok(saved) => (saved.name.clone(), saved.source.clone()),
                Err(e) => return self.error(&e.to_string()),
            }
        };
        self.age_data();
        let started = Instant::now();
        let settings = Settings::new(render_opts(self.format));
        let result = script::run(
            &Script {
                name: &name,
                source: &source,
                args,
            },
            Rc::clone(&self.catalog),
            settings,
        );
        self.finish(result, started);
    }

    /// Prints notes, the result or the error, and the time.
    fn finish(&mut self, result: Result<Output>, started: Instant) {
        for n in self.catalog.notes().take() {
            crate::errln!("netpry: note: {}", crate::console::visible(&n));
        }
        match result {
            Ok(out) => self.show_output(out),
            Err(e) if e.is_broken_pipe() => {}
            Err(e) => self.error(&e.to_string()),
        }
        if self.timer {
            crate::errln!("time: {}", format_duration(started.elapsed()));
        }
    }

    /// Evaluates a whole script (stdin mode) and returns its exit status.
    fn eval_script(&mut self, src: &str, name: &str) -> u8 {
        self.evaluator.settings.render = render_opts(self.format);
        let result = self.evaluator.eval(name, src);
        for n in self.catalog.notes().take() {
            crate::errln!("netpry: note: {}", crate::console::visible(&n));
        }
        match result {
            Ok(Output::Exit { code, message }) => {
                self.show(&message);
                code
            }
            Ok(out) => {
                self.show_output(out);
                0
            }
            Err(e) if e.is_broken_pipe() => 0,
            Err(e) => {
                crate::errln!("netpry: {}", crate::console::visible(&e.to_string()));
                e.exit_code()
            }
        }
    }

    /// Shows what an evaluation produced: tables rendered in the session's format, values as
    /// text (JSON with `.format json`).
    fn show_output(&self, out: Output) {
        match out {
            Output::Nothing => {}
            Output::Table(t) => self.show_table(&t),
            Output::Value { text, json } => {
                if self.format == Format::Json {
                    self.show(&json.to_string());
                } else {
                    self.show(&text);
                }
            }
            Output::Exit { code, message } => {
                self.show(&message);
                self.show(&format!("(the script asked to exit with status {code})"));
            }
        }
    }
}

/// Render options for results: `format`, fitted to the terminal when stdout is one.
fn render_opts(format: Format) -> RenderOpts {
    crate::app::stdout_render_opts(Some(format))
}

/// Renders `table` as text in `format`, fitted to the terminal width.
fn render_table(table: &Table, format: Format) -> Result<String> {
    let mut buf = Vec::new();
    render::render(table, &render_opts(format), &mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

fn format_duration(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// The history file: `$XDG_STATE_HOME/netpry/history`, default `~/.local/state/netpry/history`.
pub fn history_path() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_STATE_HOME") {
        Some(d) if !d.is_empty() && Path::new(&d).is_absolute() => PathBuf::from(d),
        _ => PathBuf::from(std::env::var_os("HOME")?).join(".local/state"),
    };
    Some(base.join("netpry").join("history"))
}

/// Why the history file at `path` must not be used, if it must not: it exists and is not a
/// regular file owned by the user netpry runs as (a symbolic link planted there could make root
/// append to any file).
fn history_refusal(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.file_type().is_file() {
        return Some(format!("is {}", crate::input::what_file(&meta.file_type())));
    }
    let me = crate::catalog::this_process::euid();
    (meta.uid() != me).then(|| format!("belongs to uid {}, not to uid {me}", meta.uid()))
}

fn interactive(opts: Options) -> Result<u8> {
    let mut session = ReplSession::new(&opts)?;
    let config = Config::builder()
        .history_ignore_space(true)
        .history_ignore_dups(true)
        .map_err(|e| Error::Usage(format!("line editor: {e}")))?
        .max_history_size(HISTORY_SIZE)
        .map_err(|e| Error::Usage(format!("line editor: {e}")))?
        .completion_type(CompletionType::List)
        .auto_add_history(false)
        .build();
    let mut rl: Editor<ReplHelper, DefaultHistory> = Editor::with_config(config)
        .map_err(|e| Error::Usage(format!("cannot start the line editor: {e}")))?;
    rl.set_helper(Some(ReplHelper::new(session.vocabulary())));
    let history = history_path().filter(|path| match history_refusal(path) {
        None => true,
        Some(why) => {
            crate::errln!(
                "netpry: {} {why}; history will not be saved",
                path.display()
            );
            false
        }
    });
    if let Some(path) = &history {
        if let Some(dir) = path.parent() {
            if let Err(e) = std::fs::create_dir_all(dir) {
                crate::errln!(
                    "netpry: cannot create {}: {e}; history will not be saved",
                    dir.display()
                );
            }
        }
        if path.exists() {
            if let Err(e) = rl.load_history(path) {
                crate::errln!("netpry: cannot read history {}: {e}", path.display());
            }
        }
    }
    // A banner nobody can read (closed stdout) is no reason to stop: the prompt reports it.
    let _ = crate::console::out(format_args!(
        "netpry {} interactive shell. Type .help for help, Tab to complete, Ctrl-D to leave.",
        env!("CARGO_PKG_VERSION")
    ));
    loop {
        let prompt = session.prompt();
        match rl.readline(&prompt) {
            Ok(line) => {
                if line.trim().is_empty() {
                    continue;
                }
                if rl.add_history_entry(line.as_str()).unwrap_or(false) {
                    if let Some(path) = &history {
                        if let Err(e) = rl.append_history(path) {
                            crate::errln!("netpry: cannot write history {}: {e}", path.display());
                        }
                    }
                }
                let next = guarded(|| {
                    if line.trim_start().starts_with('.') {
                        commands::run(&mut session, &line)
                    } else {
                        session.eval_and_show(&line);
                        commands::Next::Continue
                    }
                });
                if next == commands::Next::Quit {
                    break;
                }
                if let Some(h) = rl.helper_mut() {
                    h.vars = session.variables();
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                crate::errln!("netpry: line editor: {e}");
                return Ok(1);
            }
        }
    }
    let _ = rl.history().len();
    Ok(0)
}

/// Runs `f`, turning a panic into an error line so that nothing leaves the shell.
fn guarded(f: impl FnOnce() -> commands::Next) -> commands::Next {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(next) => next,
        Err(p) => {
            let what = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".into());
            crate::errln!("error: internal error ({what}); the shell goes on, please report it");
            commands::Next::Continue
        }
    }
}

#[cfg(test)]
mod history_tests {
    #[test]
    fn a_planted_link_is_not_a_history_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("history");
        assert_eq!(super::history_refusal(&file), None);
        std::fs::write(&file, "").unwrap();
        assert_eq!(super::history_refusal(&file), None);
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        let why = super::history_refusal(&link).unwrap();
        assert!(why.contains("symbolic link"), "{why}");
    }
}
