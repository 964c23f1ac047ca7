//! Running host commands with errors that show what they printed.

use std::process::{Command, Output};

use crate::error::{Error, Result};

/// The last `lines` lines of `text`.
pub(crate) fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Runs `cmd` to completion; a failure carries the tail of its output.
pub(crate) fn run_checked(cmd: &mut Command, what: &str) -> Result<Output> {
    let output = cmd.output().map_err(|source| Error::Io {
        context: format!("{what}: cannot run {:?}", cmd.get_program()),
        source,
    })?;
    if output.status.success() {
        return Ok(output);
    }
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    Err(Error::Command {
        what: what.to_owned(),
        status: output.status.to_string(),
        hint: network_hint(&text),
        output: tail(&text, 15),
    })
}

/// Download failures look alike across apt and debootstrap; name the likely cause.
pub(crate) fn network_hint(output: &str) -> String {
    const SIGNS: &[&str] = &[
        "Could not resolve",
        "Temporary failure resolving",
        "Failed to fetch",
        "Couldn't download",
        "Connection refused",
        "Connection timed out",
        "Network is unreachable",
        "Unable to connect",
        "Failed getting release file",
        "Failure trying to run",
    ];
    if SIGNS.iter().any(|sign| output.contains(sign)) {
        ": the Debian package mirror could not be reached; check the network or set \
         ARI_SANDBOX_MIRROR to a reachable mirror"
            .to_owned()
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_last_lines() {
        assert_eq!(tail("a\nb\nc\n", 2), "b\nc");
        assert_eq!(tail("a", 5), "a");
    }

    #[test]
    fn failed_commands_carry_their_output() {
        let err = run_checked(
            Command::new("sh").args(["-c", "echo oops; exit 3"]),
            "a failing step",
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("a failing step failed"), "{text}");
        assert!(text.contains("oops"), "{text}");
    }

    #[test]
    fn unreachable_mirrors_get_a_hint() {
        assert!(network_hint("E: Failed to fetch http://x").contains("mirror"));
        assert!(network_hint("all fine").is_empty());
    }
}
