//! The command line, defined once.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// The Asterisk REST Interface toolkit.
#[derive(Debug, Parser)]
#[command(name = "ari", version, about, propagate_version = true)]
pub(crate) struct Args {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// A local Asterisk 22 on 127.0.0.1, in a cached Debian sid chroot (needs root).
    Sandbox {
        #[command(subcommand)]
        action: SandboxAction,
        #[command(flatten)]
        target: SandboxTarget,
    },
    /// Runs the hello-world call flow live and prints each event as it arrives.
    ///
    /// Brings the sandbox up first unless --url points at another Asterisk.
    Demo {
        #[command(flatten)]
        connection: Connection,
        /// The Stasis application name to register (default: a fresh unique name).
        #[arg(long)]
        app: Option<String>,
        /// Originate this endpoint straight into the application instead of entering it through
        /// the sandbox's dialplan (`Local/<app>@stasis`), e.g. for another Asterisk.
        #[arg(long)]
        endpoint: Option<String>,
        /// Give up when the flow has not finished after this many seconds (at most a year).
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=A_YEAR))]
        timeout: u64,
    },
    /// Live events: print them as they arrive, or record every frame to a file.
    Events {
        #[command(subcommand)]
        action: EventsAction,
    },
}

/// The longest wait a command takes, in seconds: a deadline must stay within what the
/// clock can count.
const A_YEAR: u64 = 365 * 24 * 3600;

#[derive(Debug, Subcommand)]
pub(crate) enum EventsAction {
    /// Prints each event as it arrives, one line each (or the frames as sent with --raw).
    ///
    /// Runs until Ctrl-C or until the connection ends for good.
    Tail {
        #[command(flatten)]
        connection: Connection,
        #[command(flatten)]
        source: EventSource,
        /// Print each frame as Asterisk sent it (JSON, one per line).
        #[arg(long)]
        raw: bool,
    },
    /// Records every frame verbatim as JSON lines, optionally driving call flows meanwhile.
    ///
    /// Stops at Ctrl-C, after --duration, or (with --workload) when the flows are done.
    Record {
        #[command(flatten)]
        connection: Connection,
        #[command(flatten)]
        source: EventSource,
        /// The file to write: one frame per line.
        #[arg(long)]
        out: PathBuf,
        /// Drive this many varied call flows through the first application while recording
        /// (needs the sandbox's dialplan: `Local/<app>@stasis` and context `sandbox`).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        workload: Option<u32>,
        /// How many flows of the workload run at once.
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=1_000))]
        concurrency: u32,
        /// Stop recording after this many seconds (at most a year).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=A_YEAR))]
        duration: Option<u64>,
    },
}

/// Which applications an events command registers, and what it subscribes to.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct EventSource {
    /// A Stasis application to register; repeat for several [default: a fresh unique name].
    #[arg(long = "app", value_name = "APP")]
    pub(crate) apps: Vec<String>,
    /// Receive every event of the system, not only those of the applications' objects.
    #[arg(long)]
    pub(crate) subscribe_all: bool,
}

/// Which sandbox instance, and where its cache lives.
#[derive(Debug, clap::Args)]
pub(crate) struct SandboxTarget {
    /// The instance name; each has its own ports, configuration, logs and PID.
    #[arg(long, global = true, default_value = "default")]
    pub(crate) name: String,
    /// Where the Debian root is cached [default: $XDG_CACHE_HOME/ari-sandbox or ~/.cache/ari-sandbox].
    #[arg(long, global = true, env = "ARI_SANDBOX_CACHE")]
    pub(crate) cache_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum SandboxAction {
    /// Builds the root if needed, starts Asterisk, waits for ARI, prints where to reach it.
    Up {
        /// ARI HTTP port [default: 8088 for "default", a free port for other instances].
        #[arg(long)]
        http_port: Option<u16>,
        /// ARI HTTPS port [default: 8089 for "default", a free port for other instances].
        #[arg(long)]
        https_port: Option<u16>,
        /// PJSIP UDP port [default: 5060 for "default", a free port for other instances].
        #[arg(long)]
        sip_port: Option<u16>,
    },
    /// Shows whether it runs, its Asterisk version, URLs, users and CA file.
    Status {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Prints Asterisk's log of this instance.
    Logs {
        /// Keep printing what is appended.
        #[arg(short, long)]
        follow: bool,
        /// How many lines to show first.
        #[arg(short = 'n', long, default_value_t = 40)]
        lines: usize,
    },
    /// Stops this instance and unmounts the root when no instance runs.
    Down,
    /// Stops every instance and deletes the cached root.
    Reset,
    /// Runs an Asterisk CLI command in the instance, e.g. `ari sandbox cli "core show channels"`.
    Cli {
        /// The command.
        command: String,
    },
}

/// Where ARI is. Without --url the local sandbox is used (and brought up).
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Connection {
    /// ARI base URL, e.g. http://127.0.0.1:8088/ari.
    #[arg(long, env = "ARI_URL")]
    pub(crate) url: Option<String>,
    /// ARI user.
    #[arg(long, env = "ARI_USER")]
    pub(crate) user: Option<String>,
    /// ARI password (prefer the environment variable: arguments are visible to other users).
    #[arg(long, env = "ARI_PASSWORD", hide_env_values = true)]
    pub(crate) password: Option<String>,
    /// A PEM CA file to trust for https URLs.
    #[arg(long, env = "ARI_CA_FILE")]
    pub(crate) ca_file: Option<PathBuf>,
    /// The sandbox instance to use when no --url is given.
    #[arg(long, default_value = "default")]
    pub(crate) sandbox: String,
}
