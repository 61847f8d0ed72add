//! The command line (clap derive). `netpry netstat ...` is not parsed here: net-tools' command
//! line has its own rules, so [`crate::app`] hands it to the netstat front end untouched.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::render::Format;

/// netpry: a scriptable query shell for Linux network state.
#[derive(Debug, Parser)]
#[command(
    name = "netpry",
    about,
    disable_version_flag = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Read every table from this snapshot file instead of the running kernel (`-`: standard
    /// input; `.gz` files are decompressed). Repeat it, or give a directory or a quoted pattern
    /// (`'snaps/*.json.gz'`), to read a fleet: every table is then the union of the snapshots'
    /// tables, with `host` and `snapshot_time` columns.
    #[arg(long, global = true, value_name = "FILE")]
    pub snapshot: Vec<PathBuf>,

    /// Read this network namespace: a name under /var/run/netns, an nsfs path (e.g.
    /// /var/run/docker/netns/ID, /proc/PID/ns/net), `pid:PID`, or an inode. Needs
    /// CAP_SYS_ADMIN; with --snapshot, keeps that namespace's rows.
    #[arg(
        long,
        global = true,
        value_name = "NETNS",
        conflicts_with = "all_netns"
    )]
    pub netns: Option<String>,

    /// Read every network namespace on the host: rows carry their namespace's inode in a
    /// `netns` column; netstat prints each namespace after a `netns: NAME` line.
    #[arg(long, global = true)]
    pub all_netns: bool,

    /// Output format for tables.
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,

    /// Fit tables to this many columns (0: no limit); default: the terminal's width when
    /// standard output is a terminal, no limit otherwise.
    #[arg(long, global = true, value_name = "N")]
    pub width: Option<usize>,

    /// On a terminal, show every column of a table instead of its default view (the columns
    /// a person reads first); JSON, CSV and plain output always have every column.
    #[arg(long, global = true)]
    pub all: bool,

    /// Print the version (and the git commit netpry was built from).
    #[arg(short = 'V', long)]
    pub version: bool,

    /// With --version: also list the kernel features found at run time (sock_diag families,
    /// raw_diag, policy rules).
    #[arg(long, requires = "version")]
    pub verbose: bool,

    /// Evaluate this Rhai script and print its result; arguments for it follow `--`.
    #[arg(short = 'e', long = "eval", value_name = "SCRIPT")]
    pub eval: Option<String>,

    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print one table.
    Table {
        /// Table name (see `netpry tables`).
        name: String,
        /// Only these columns, comma separated, in this order.
        #[arg(short, long, value_delimiter = ',', value_name = "COLS")]
        columns: Option<Vec<String>>,
    },
    /// List the tables with their descriptions.
    Tables,
    /// Print the columns of a table: name, type and description.
    Schema {
        /// Table name.
        name: String,
    },
    /// Save every table, with host name, kernel release and time, to one JSON file.
    Snapshot {
        /// Output file (`-` for standard output; a name ending in `.gz` is written
        /// gzip-compressed); default `netpry-HOST-TIME.json`.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Interactive shell (the default on a terminal); with stdin not a terminal, runs stdin as a script.
    Repl,
    /// Run a saved script: built in, or from $XDG_CONFIG_HOME/netpry/scripts.
    Run {
        /// List the saved scripts with their descriptions.
        #[arg(long, conflicts_with = "name")]
        list: bool,
        /// The script's name (see `--list`).
        #[arg(required_unless_present = "list")]
        name: Option<String>,
        /// Arguments for the script (`args` in the script).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// `netpry FILE.rhai [ARGS...]` runs a script file (a `#!/usr/bin/env netpry` line works);
    /// with `-e`, these are the script's arguments.
    #[command(external_subcommand)]
    File(Vec<String>),
    /// net-tools compatible netstat (`netpry netstat -tanp`); see `netpry netstat --help`.
    Netstat {
        /// netstat arguments, exactly as net-tools netstat takes them.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Show what changes over time, every interval: added, removed and changed rows with
    /// per-second rates of counters (a live view on a terminal, JSON events otherwise).
    /// Watch `table NAME`, `-e SCRIPT`, `run NAME [ARGS]` or `netstat [ARGS]`.
    Watch {
        /// Seconds between collections.
        #[arg(
            short = 'n',
            long = "interval",
            default_value_t = 2.0,
            value_name = "SECS"
        )]
        interval: f64,
        /// Stop after this many collections.
        #[arg(long, value_name = "N")]
        count: Option<u64>,
        /// Watch the result of this Rhai script.
        #[arg(short = 'e', long = "eval", value_name = "SCRIPT")]
        eval: Option<String>,
        /// `table NAME`, `run NAME [ARGS]` or `netstat [ARGS]` (with -e: the script's arguments).
        #[arg(
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "TARGET"
        )]
        target: Vec<String>,
    },
    /// Compare two snapshots: a summary line per table (+added -removed ~changed), then the
    /// rows. Exit status 0 when they do not differ, 1 when they do, 2 for trouble.
    Diff {
        /// The earlier snapshot.
        old: PathBuf,
        /// The later snapshot.
        new: PathBuf,
        /// Only this table (repeatable).
        #[arg(long = "table", value_name = "TABLE")]
        tables: Vec<String>,
        /// Compare snapshots of different hosts.
        #[arg(long)]
        any_host: bool,
    },
    /// Write every table as newline-delimited JSON partitioned for DuckDB, ClickHouse, Spark
    /// or Trino: DIR/table=NAME/host=HOST/TIME.ndjson, from the snapshots given with
    /// --snapshot (many at once), or from the running host.
    Export {
        /// The directory to write into (created when missing).
        dir: PathBuf,
    },
    /// Print a shell completion script (`netpry completions bash > /etc/bash_completion.d/netpry`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page, netpry(1), in roff (`netpry man | man -l -`); `netpry man netstat`
    /// prints netpry-netstat(1).
    Man {
        /// The page: `netstat` for netpry-netstat(1); none for netpry(1).
        #[arg(value_parser = ["netstat"])]
        page: Option<String>,
    },
}
