//! `--help` has examples for every command, no colour reaches a pipe, and the man pages and shell
//! completions generate from the command definitions.

use std::path::Path;
use std::process::{Command, Output};

const BTF: &str = env!("CARGO_BIN_EXE_btf");
const COMMANDS: [&str; 8] = [
    "dump",
    "relocate",
    "distill",
    "check-relocate",
    "check",
    "ext",
    "core",
    "minimize",
];

fn btf(args: &[&str]) -> Output {
    Command::new(BTF)
        .args(args)
        // What a terminal user might have set: colour must still stay off a pipe.
        .env_remove("CLICOLOR_FORCE")
        .env_remove("NO_COLOR")
        .env("TERM", "xterm-256color")
        .output()
        .expect("running btf")
}

#[test]
fn every_command_has_help_examples_without_colour_on_a_pipe() {
    let top = btf(&["--help"]);
    assert!(top.status.success());
    let top = String::from_utf8(top.stdout).unwrap();
    assert!(top.contains("Examples:"), "{top}");
    assert!(
        !top.contains('\x1b'),
        "ANSI escapes in piped --help: {top:?}"
    );
    // Hidden helpers (`man`, `completions`) stay out of the command list.
    assert!(
        !top.contains("completions") && !top.contains("\n  man "),
        "{top}"
    );
    for cmd in COMMANDS {
        for flag in ["--help", "-h"] {
            let out = btf(&[cmd, flag]);
            assert!(out.status.success(), "btf {cmd} {flag}");
            let text = String::from_utf8(out.stdout).unwrap();
            assert!(
                text.contains("Examples:\n  btf "),
                "btf {cmd} {flag} has no examples:\n{text}"
            );
            assert!(!text.contains('\x1b'), "ANSI escapes in btf {cmd} {flag}");
        }
    }
    // Errors go to stderr, also without colour when it is a pipe.
    let err = btf(&["dump", "--no-such-option"]);
    assert!(!err.status.success());
    assert!(!err.stderr.is_empty() && !err.stderr.contains(&0x1b));
}

#[test]
fn man_pages_generate_for_every_command() {
    let dir = std::env::temp_dir().join(format!("btf-cli-man-{}", std::process::id()));
    let out = btf(&["man", dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = |name: &str| {
        std::fs::read_to_string(Path::new(&dir).join(format!("{name}.1")))
            .unwrap_or_else(|e| panic!("{name}.1: {e}"))
    };
    let top = page("btf");
    assert!(
        top.starts_with(".ie \\n(.g .ds Aq") || top.contains(".TH btf 1"),
        "{top}"
    );
    for cmd in COMMANDS {
        let p = page(&format!("btf-{cmd}"));
        assert!(p.contains(&format!(".TH btf-{cmd} 1")), "btf-{cmd}.1:\n{p}");
        assert!(p.contains("Examples:"), "btf-{cmd}.1 has no examples");
    }
    for hidden in ["btf-man.1", "btf-completions.1", "btf-help.1"] {
        assert!(!Path::new(&dir).join(hidden).exists(), "{hidden}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn completions_generate_for_bash_zsh_fish() {
    for (shell, marker) in [
        ("bash", "complete -F _btf"),
        ("zsh", "#compdef btf"),
        ("fish", "complete -c btf"),
    ] {
        let out = btf(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(marker), "{shell}: no `{marker}`");
        assert!(text.contains("check-relocate"), "{shell}: commands missing");
        assert!(text.contains("pretty"), "{shell}: dump options missing");
    }
}
