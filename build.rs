//! Build step:
//! - embeds every `scripts/*.rhai` into the binary as the built-in saved scripts
//!   (`src/script/catalogue.rs` includes the generated list);
//! - passes the git commit as `NETPRY_GIT_COMMIT` when building from a git checkout (nothing,
//!   and no failure, elsewhere: from the packaged crate, a tarball, without git);
//! - writes the manual pages and completion scripts to `$OUT_DIR/assets/share`, and to
//!   `target/<profile>/assets/share` (laid out as under `/usr/share`, pages gzipped) where
//!   `cargo deb` picks them up, with the same code the binary runs for `netpry man` and
//!   `netpry completions` (`src/manual/pages.rs` and `src/cli.rs` compiled in here, the
//!   table names and descriptions read from the registry's source); in release builds with
//!   `mdbook` on the PATH, also the book's HTML (`.../share/doc/netpry/html`), skipped
//!   otherwise;
//! - sets the cfg `netpry_captures` where the test captures are (see [`captures`]).

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

#[allow(dead_code)]
#[path = "src/cli.rs"]
mod cli;
#[allow(dead_code)]
#[path = "src/manual/pages.rs"]
mod pages;

/// A copy of `crate::render::Format` (the command line's `--format` values, with their help),
/// for `src/cli.rs`. The unit test `the_build_time_files_are_what_the_binary_prints` in
/// `src/manual` fails when it falls out of date.
#[allow(dead_code)]
mod render {
    /// Output format.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
    pub enum Format {
        /// An aligned table fitted to the terminal width.
        #[default]
        Table,
        /// A JSON array of objects with typed values.
        Json,
        /// CSV with a header row.
        Csv,
        /// Tab-separated values without a header.
        Plain,
    }
}

fn main() {
    // Read at run time: `env!` would bake in the checkout the build script was compiled in,
    // which cargo reuses for a moved or copied target directory.
    let root = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo"),
    );
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo"));
    let scripts = saved_scripts(&root, &out_dir);
    captures(&root);
    git_commit(&root);
    assets(&root, &out_dir, scripts);
}

/// Writes `saved_scripts.rs` (the built-in scripts) and returns (name, source) of each.
fn saved_scripts(root: &Path, out_dir: &Path) -> Vec<(String, String)> {
    let dir = root.join("scripts");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| {
                    let path = e.path();
                    let name = path
                        .file_name()?
                        .to_str()?
                        .strip_suffix(".rhai")?
                        .to_string();
                    println!("cargo:rerun-if-changed={}", path.display());
                    Some((name, path))
                })
                .collect()
        })
        .unwrap_or_else(|e| panic!("cannot read the saved scripts in {}: {e}", dir.display()));
    names.sort();
    let mut out = String::from(
        "/// The built-in saved scripts: (name, source), sorted by name.\npub static BUILTIN: &[(&str, &str)] = &[\n",
    );
    let mut sources = Vec::new();
    for (name, path) in names {
        let _ = writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        );
        let source = std::fs::read_to_string(&path).expect("read a saved script");
        sources.push((name, source));
    }
    out.push_str("];\n");
    std::fs::write(out_dir.join("saved_scripts.rs"), out).expect("write saved_scripts.rs");
    sources
}

/// Sets the cfg `netpry_captures` when the test captures (`tests/fixtures`, `tests/data`,
/// `src/netstat/linux/testdata`) are there, as in a checkout: the unit tests that read them are
/// compiled only then, so the packaged crate, which leaves them out, still builds and passes
/// `cargo test --lib`.
fn captures(root: &Path) {
    println!("cargo::rustc-check-cfg=cfg(netpry_captures)");
    let dirs = ["tests/fixtures", "tests/data", "src/netstat/linux/testdata"];
    for d in dirs {
        println!("cargo:rerun-if-changed={}", root.join(d).display());
    }
    if dirs.iter().all(|d| root.join(d).is_dir()) {
        println!("cargo:rustc-cfg=netpry_captures");
    }
}

/// Runs git in `dir`; its trimmed output, or `None` when git is missing or fails.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Sets `NETPRY_GIT_COMMIT` to the abbreviated commit of HEAD when the crate root is the top
/// of a git work tree (not, say, a packaged crate unpacked inside some other checkout), and
/// asks to be rerun when HEAD moves.
fn git_commit(root: &Path) {
    let commit = (|| {
        let top = PathBuf::from(git(root, &["rev-parse", "--show-toplevel"])?);
        if top.canonicalize().ok()? != root.canonicalize().ok()? {
            return None;
        }
        let commit = git(root, &["rev-parse", "--short=12", "HEAD"])?;
        // HEAD, the branch it points to and packed-refs (a work tree keeps them apart).
        let mut watch = vec!["HEAD".to_string(), "packed-refs".to_string()];
        let head_path = root.join(git(root, &["rev-parse", "--git-path", "HEAD"])?);
        if let Some(r) = std::fs::read_to_string(&head_path)
            .ok()
            .and_then(|h| h.trim().strip_prefix("ref: ").map(str::to_string))
        {
            watch.push(r);
        }
        for w in watch {
            if let Some(p) = git(root, &["rev-parse", "--git-path", &w]) {
                println!("cargo:rerun-if-changed={}", root.join(p).display());
            }
        }
        Some(commit)
    })();
    println!(
        "cargo:rustc-env=NETPRY_GIT_COMMIT={}",
        commit.unwrap_or_default()
    );
}

/// The string literal assigned to `pub const USAGE` in the Rust file at `path` (the netstat
/// usage texts), unescaped; empty, with a warning, when there is none.
fn usage_text(path: &Path) -> String {
    string_after(&read_source(path), "pub const USAGE: &str = \"").unwrap_or_else(|| {
        println!(
            "cargo:warning={}: no `pub const USAGE` string: netpry-netstat(1) lacks its options",
            path.display()
        );
        String::new()
    })
}

/// The name and description of every registered table, read from the registry's source:
/// the modules listed in `TABLES` (`src/tables/mod.rs`), each `DEF`'s `name` and `doc`
/// literals. (The unit test `the_build_time_files_are_what_the_binary_prints` checks the
/// result against the registry itself.)
fn table_names(root: &Path) -> Vec<(&'static str, &'static str)> {
    let dir = root.join("src/tables");
    let registry = read_source(&dir.join("mod.rs"));
    let Some(list) = registry
        .split_once("pub static TABLES: &[TableDef] = &[")
        .and_then(|(_, rest)| rest.split_once("];"))
        .map(|(list, _)| list)
    else {
        println!("cargo:warning=no TABLES list in src/tables/mod.rs: the manual lists no tables");
        return Vec::new();
    };
    let mut tables = Vec::new();
    for module in list
        .split(',')
        .filter_map(|item| item.trim().strip_suffix("::DEF"))
    {
        let file = [format!("{module}.rs"), format!("{module}/mod.rs")]
            .into_iter()
            .map(|f| dir.join(f))
            .find(|p| p.is_file());
        let def = file.map(|f| read_source(&f)).and_then(|src| {
            let body = src.split_once("pub const DEF: TableDef = TableDef {")?.1;
            let name = string_after(body, "name: \"")?;
            let doc = string_after(body, "doc: \"")?;
            Some((leak(name), leak(doc)))
        });
        match def {
            Some(def) => tables.push(def),
            None => println!(
                "cargo:warning=src/tables/{module}: no `DEF` with literal name and doc; \
                 the manual and completions lack it"
            ),
        }
    }
    tables
}

/// A source file's text (asking to be rerun when it changes); empty when unreadable.
fn read_source(path: &Path) -> String {
    println!("cargo:rerun-if-changed={}", path.display());
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Leaks a string built once per build-script run into the `'static` the catalogue holds.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// The Rust string literal that starts right after the first `prefix` in `src`, unescaped
/// (`\n`, `\t`, `\"`, `\\` and line continuations).
fn string_after(src: &str, prefix: &str) -> Option<String> {
    let start = src.find(prefix)? + prefix.len();
    let mut out = String::new();
    let mut chars = src[start..].chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                '\n' => {
                    while chars.peek().is_some_and(|c| c.is_whitespace()) {
                        chars.next();
                    }
                }
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

/// Writes the manual pages and completion scripts (and the book, see [`book`]).
fn assets(root: &Path, out_dir: &Path, scripts: Vec<(String, String)>) {
    use clap::CommandFactory;
    let cat = pages::Catalogue {
        tables: table_names(root),
        scripts: scripts
            .into_iter()
            .map(|(name, source)| (leak(name), pages::script_description(&source)))
            .collect(),
        version: env!("CARGO_PKG_VERSION"),
    };
    let linux = usage_text(&root.join("src/netstat/linux/args.rs"));
    let bsd = usage_text(&root.join("src/netstat/bsd/args.rs"));
    let cmd = cli::Cli::command();
    let share = out_dir.join("assets/share");
    pages::write_all(&share, &cmd, &cat, &linux, &bsd).expect("write the manual and completions");
    // target/<profile>/build/netpry-HASH/out → target/<profile>: where `cargo deb` looks.
    if let Some(profile_dir) = out_dir.ancestors().nth(3) {
        let share = profile_dir.join("assets/share");
        pages::write_all(&share, &cmd, &cat, &linux, &bsd)
            .expect("write the manual and completions");
        for page in pages::MAN_FILES {
            gzip(&share.join(page));
        }
        if std::env::var("PROFILE").as_deref() == Ok("release") {
            book(root, &share.join("doc/netpry/html"));
        }
    }
}

/// Replaces `path` by `path.gz`, compressed as Debian policy asks (`gzip -9n`: no name or
/// time stamp, so builds are reproducible); cargo-deb leaves files it did not make as they
/// are. Without gzip, the page stays uncompressed, with a warning.
fn gzip(path: &Path) {
    let mut gz = path.as_os_str().to_owned();
    gz.push(".gz");
    let out = Command::new("gzip")
        .args(["-9", "-n", "-c"])
        .arg(path)
        .output();
    match out {
        Ok(o) if o.status.success() => {
            std::fs::write(&gz, o.stdout).expect("write a compressed manual page");
            let _ = std::fs::remove_file(path);
        }
        _ => println!(
            "cargo:warning=gzip failed: {} stays uncompressed",
            path.display()
        ),
    }
}

/// Builds the book's HTML into `dest` with `mdbook` when it is on the PATH; otherwise removes
/// any stale copy (the package then has no HTML book).
fn book(root: &Path, dest: &Path) {
    let src = root.join("book");
    if !src.join("book.toml").is_file() {
        return;
    }
    println!("cargo:rerun-if-changed={}", src.display());
    println!("cargo:rerun-if-env-changed=PATH");
    let _ = std::fs::remove_dir_all(dest);
    let built = Command::new("mdbook")
        .arg("build")
        .arg(&src)
        .arg("--dest-dir")
        .arg(dest)
        .stdout(std::process::Stdio::null())
        .status();
    match built {
        Ok(s) if s.success() => {}
        Ok(s) => {
            let _ = std::fs::remove_dir_all(dest);
            println!("cargo:warning=mdbook failed ({s}): the package will have no HTML book");
        }
        Err(_) => {} // no mdbook: no HTML book, quietly
    }
}
