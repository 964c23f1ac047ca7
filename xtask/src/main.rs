//! Project automation, run as `cargo xtask <command>` (an alias in `.cargo/config.toml`).
//!
//! Commands:
//! - `codegen [--check] [--spec DIR] [--asterisk-version V]`: generate
//!   `crates/ari-client/src/generated/**` from Asterisk's ARI spec; `--check` compares instead
//!   of writing and fails when the checked-in code is out of date.

mod codegen;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};

const USAGE: &str = "usage: cargo xtask codegen [--check] [--spec DIR] [--asterisk-version V]

  --check               compare the generated code with the checked-in one; fail on a difference
  --spec DIR            the ARI spec directory (default: the sandbox's
                        <cache>/root/usr/share/asterisk/rest-api)
  --asterisk-version V  the Asterisk version, when the spec's root has no dpkg status";

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<bool> {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("codegen") => {
            let mut options = codegen::Options::default();
            while let Some(arg) = args.next() {
                match arg.as_str() {
                    "--check" => options.check = true,
                    "--spec" => {
                        let Some(dir) = args.next() else {
                            bail!("--spec needs a directory\n\n{USAGE}");
                        };
                        options.spec = Some(PathBuf::from(dir));
                    }
                    "--asterisk-version" => {
                        let Some(v) = args.next() else {
                            bail!("--asterisk-version needs a version\n\n{USAGE}");
                        };
                        options.asterisk_version = Some(v);
                    }
                    "-h" | "--help" => {
                        println!("{USAGE}");
                        return Ok(true);
                    }
                    other => bail!("unknown argument {other}\n\n{USAGE}"),
                }
            }
            codegen::run(&options)
        }
        Some("-h" | "--help") | None => {
            println!("{USAGE}");
            Ok(true)
        }
        Some(other) => bail!("unknown command {other}\n\n{USAGE}"),
    }
}
