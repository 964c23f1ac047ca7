//! `ari sandbox …`: the local Asterisk.

use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use ari_sandbox::{Ports, Sandbox};

use crate::cli::{SandboxAction, SandboxTarget};

pub(crate) fn open(target: &SandboxTarget) -> anyhow::Result<Sandbox> {
    let sandbox = Sandbox::new(&target.name)?;
    Ok(match &target.cache_dir {
        Some(dir) => sandbox.with_cache_dir(dir),
        None => sandbox,
    })
}

fn progress(step: &str) {
    eprintln!("ari sandbox: {step}");
}

pub(crate) async fn run(action: SandboxAction, target: SandboxTarget) -> anyhow::Result<ExitCode> {
    let sandbox = open(&target)?;
    // Provisioning is blocking work (commands, files): keep it off the async workers.
    tokio::task::spawn_blocking(move || run_blocking(&sandbox, action))
        .await
        .context("the sandbox task failed")?
}

fn run_blocking(sandbox: &Sandbox, action: SandboxAction) -> anyhow::Result<ExitCode> {
    match action {
        SandboxAction::Up {
            http_port,
            https_port,
            sip_port,
        } => {
            let status = sandbox.up(
                Ports {
                    http: http_port,
                    https: https_port,
                    sip: sip_port,
                },
                &progress,
            )?;
            print!("{status}");
        }
        SandboxAction::Status { json } => {
            let status = sandbox.status()?;
            if json {
                let value = serde_json::json!({
                    "name": status.name,
                    "running": status.is_running(),
                    "pid": status.pid,
                    "version": status.version,
                    "ari_url": status.ari_url(),
                    "ari_tls_url": status.ari_tls_url(),
                    "ca_file": status.ca_file,
                    "user": status.settings.user,
                    "password": status.settings.password,
                    "ro_user": status.settings.ro_user,
                    "ro_password": status.settings.ro_password,
                    "sip_port": status.settings.sip_port,
                    "log_file": status.log_file,
                    "failed_modules": status.failed_modules,
                });
                println!("{value:#}");
            } else {
                print!("{status}");
            }
            if !status.is_running() {
                return Ok(ExitCode::from(3));
            }
        }
        SandboxAction::Logs { follow, lines } => logs(sandbox, follow, lines)?,
        SandboxAction::Down => {
            if sandbox.down()? {
                println!("sandbox {:?}: stopped", sandbox.name());
            } else {
                println!("sandbox {:?}: was not running", sandbox.name());
            }
        }
        SandboxAction::Reset => {
            sandbox.reset(&progress)?;
            println!("sandbox cache removed; `ari sandbox up` rebuilds it");
        }
        SandboxAction::Cli { command } => print!("{}", sandbox.cli(&command)?),
    }
    Ok(ExitCode::SUCCESS)
}

fn logs(sandbox: &Sandbox, follow: bool, lines: usize) -> anyhow::Result<()> {
    let path = sandbox.log_file();
    let mut file = std::fs::File::open(&path).with_context(|| {
        format!(
            "cannot open {} (has the instance been started with `ari sandbox up`?)",
            path.display()
        )
    })?;
    let mut text = String::new();
    file.read_to_string(&mut text)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let all: Vec<&str> = text.lines().collect();
    let mut out = std::io::stdout().lock();
    for line in &all[all.len().saturating_sub(lines)..] {
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    if !follow {
        return Ok(());
    }
    let mut offset = file.stream_position()?;
    loop {
        let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        if len < offset {
            // Rotated or truncated: start over from the top.
            file = std::fs::File::open(&path)?;
            offset = 0;
        }
        if len > offset {
            file.seek(SeekFrom::Start(offset))?;
            let mut chunk = String::new();
            file.read_to_string(&mut chunk)?;
            offset += chunk.len() as u64;
            out.write_all(chunk.as_bytes())?;
            out.flush()?;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}
