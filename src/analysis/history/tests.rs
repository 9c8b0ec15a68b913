//! Unit tests for `history.rs`, kept in a sibling file so the parser itself
//! stays short. Each test names the builder whose output it reproduces.

use super::*;

fn parsed(created_by: &str) -> (InstructionKind, String) {
    let i = parse_created_by(created_by);
    (i.kind, i.text)
}

fn check(created_by: &str, kind: InstructionKind, text: &str) {
    assert_eq!(parsed(created_by), (kind, text.to_string()), "input: {created_by:?}");
}

use InstructionKind::*;

#[test]
fn buildkit_run_shell_form() {
    check("RUN /bin/sh -c apt-get update # buildkit", Run, "apt-get update");
}

#[test]
fn buildkit_run_with_build_args() {
    check("RUN |2 A=1 B=2 /bin/sh -c make", Run, "make");
    check("RUN |2 A=1 B=2 /bin/sh -c make # buildkit", Run, "make");
}

#[test]
fn buildkit_run_build_arg_value_with_spaces() {
    // The count says 1 but the value spans two tokens.
    check("RUN |1 MSG=hello world /bin/sh -c echo $MSG", Run, "echo $MSG");
}

#[test]
fn buildkit_run_multi_statement() {
    check(
        "RUN /bin/sh -c set -eux;     apt-get update;     rm -rf /var/lib/apt/lists/* # buildkit",
        Run,
        "set -eux;     apt-get update;     rm -rf /var/lib/apt/lists/*",
    );
}

#[test]
fn buildkit_run_exec_form_is_space_joined() {
    // BuildKit records exec form as the plain argv.
    check("RUN pip install x # buildkit", Run, "pip install x");
    check("RUN |1 V=2 pip install x # buildkit", Run, "pip install x");
}

#[test]
fn run_exec_form_json_record() {
    check(r#"RUN ["pip","install","x"]"#, Run, "pip install x");
    check(r#"RUN ["pip" "install" "x"]"#, Run, "pip install x");
}

#[test]
fn buildkit_copy_and_add() {
    check("COPY . /app # buildkit", Copy, ". /app");
    check(
        "COPY --from=builder /out /out # buildkit",
        Copy,
        "--from=builder /out /out",
    );
    check("ADD file:abc in / ", Add, "file:abc in /");
}

#[test]
fn buildkit_metadata_instructions() {
    check("WORKDIR /app", Workdir, "/app");
    check("ENV A=b", Env, "A=b");
    check("ARG VERSION=1.2", Arg, "VERSION=1.2");
    check("LABEL k=v", Label, "k=v");
    check("USER app", User, "app");
    check("STOPSIGNAL SIGTERM", Stopsignal, "SIGTERM");
    check("VOLUME [/data]", Volume, "[/data]");
    check(
        "MAINTAINER Jane <jane@example.com>",
        Maintainer,
        "Jane <jane@example.com>",
    );
}

#[test]
fn buildkit_cmd_go_list_becomes_json() {
    check(r#"CMD ["python3" "-m" "app"]"#, Cmd, r#"["python3","-m","app"]"#);
    check(
        r#"ENTRYPOINT ["/docker-entrypoint.sh"]"#,
        Entrypoint,
        r#"["/docker-entrypoint.sh"]"#,
    );
    check(
        r#"CMD ["/bin/sh" "-c" "echo \"hi\" \\ ok"]"#,
        Cmd,
        r#"["/bin/sh","-c","echo \"hi\" \\ ok"]"#,
    );
}

#[test]
fn cmd_with_unparseable_list_is_kept() {
    check(r#"CMD ["a" "\q"]"#, Cmd, r#"["a" "\q"]"#);
    check("CMD python3 app.py", Cmd, "python3 app.py");
}

#[test]
fn buildkit_expose_map() {
    check("EXPOSE map[8000/tcp:{}]", Expose, "8000/tcp");
    check("EXPOSE map[53/udp:{} 80/tcp:{}]", Expose, "53/udp 80/tcp");
    check("EXPOSE map[]", Expose, "");
    check("EXPOSE 8000", Expose, "8000");
}

#[test]
fn buildkit_healthcheck_kept_verbatim() {
    let raw = r#"HEALTHCHECK &{["CMD-SHELL" "curl -f http://localhost/ || exit 1"] "#.to_string()
        + r#""30s" "3s" "0s" "0s" '\x03'}"#;
    let (kind, text) = parsed(&raw);
    assert_eq!(kind, Healthcheck);
    assert!(text.starts_with(r#"&{["CMD-SHELL""#));
}

#[test]
fn buildkit_custom_shells() {
    check(
        "RUN /bin/bash -o pipefail -c curl x | sh # buildkit",
        Run,
        "curl x | sh",
    );
    check("RUN /bin/ash -eo pipefail -c make", Run, "make");
    check("RUN cmd /S /C echo hi # buildkit", Run, "echo hi");
    check("RUN powershell -Command Write-Host hi # buildkit", Run, "Write-Host hi");
}

#[test]
fn classic_nop_copy_with_trailing_space() {
    check(
        "/bin/sh -c #(nop) COPY dir:5f1a...7 in /app ",
        Copy,
        "dir:5f1a...7 in /app",
    );
}

#[test]
fn classic_nop_two_spaces() {
    check(r#"/bin/sh -c #(nop)  CMD ["python3"]"#, Cmd, r#"["python3"]"#);
    check(
        "/bin/sh -c #(nop)  ENV PATH=/usr/local/bin:/usr/bin",
        Env,
        "PATH=/usr/local/bin:/usr/bin",
    );
}

#[test]
fn classic_nop_add_workdir_and_friends() {
    check("/bin/sh -c #(nop) ADD file:123 in / ", Add, "file:123 in /");
    check("/bin/sh -c #(nop) WORKDIR /app", Workdir, "/app");
    check("/bin/sh -c #(nop)  EXPOSE 8000", Expose, "8000");
    check("/bin/sh -c #(nop)  MAINTAINER someone", Maintainer, "someone");
    check("/bin/sh -c #(nop)  ONBUILD RUN make", Onbuild, "RUN make");
    check("/bin/sh -c #(nop)  LABEL a=b c=d", Label, "a=b c=d");
}

#[test]
fn classic_run_without_nop() {
    check("/bin/sh -c apt-get update", Run, "apt-get update");
    check("  /bin/sh -c apt-get update  \n", Run, "apt-get update");
}

#[test]
fn classic_run_with_build_args() {
    check("|1 X=y /bin/sh -c cmd", Run, "cmd");
    check("|2 X=y Z=w /bin/sh -c cmd arg", Run, "cmd arg");
    check("|0 /bin/sh -c cmd", Run, "cmd");
}

#[test]
fn classic_other_shells() {
    check("/bin/bash -o pipefail -c cmd", Run, "cmd");
    check("/bin/sh -ec cmd", Run, "cmd");
    check("/bin/sh -euxc cmd", Run, "cmd");
    check("/usr/bin/env-less/zsh --login -c cmd", Run, "cmd");
    check("sh -c cmd", Run, "cmd");
}

#[test]
fn kaniko_plain_keyword_first() {
    check("RUN pip install x", Run, "pip install x");
    check("COPY requirements.txt .", Copy, "requirements.txt .");
    check("WORKDIR /app", Workdir, "/app");
    check(
        "ADD https://example.com/a.tar.gz /tmp/",
        Add,
        "https://example.com/a.tar.gz /tmp/",
    );
}

#[test]
fn buildah_writes_like_classic() {
    check("/bin/sh -c #(nop) COPY file:abc in /srv ", Copy, "file:abc in /srv");
    check("/bin/sh -c dnf -y install gcc", Run, "dnf -y install gcc");
}

#[test]
fn empty_and_squashed_are_unknown() {
    check("", Unknown, "");
    check("   \t\n", Unknown, "");
}

#[test]
fn shown_without_the_unknown_keyword() {
    assert_eq!(
        parse_created_by("/bin/sh -c apt-get update").to_string(),
        "RUN apt-get update"
    );
    assert_eq!(
        parse_created_by("  jib-maven-plugin:3.4.0 ").to_string(),
        "jib-maven-plugin:3.4.0"
    );
    assert_eq!(parse_created_by("").to_string(), "(no instruction recorded)");
    assert_eq!(
        parse_created_by("/bin/sh -c #(nop)  HEALTHCHECK NONE").to_string(),
        "HEALTHCHECK NONE"
    );
}

#[test]
fn bare_nop_is_unknown_and_empty() {
    check("#(nop) ", Unknown, "");
    check("/bin/sh -c #(nop) ", Unknown, "");
    check("/bin/sh -c #(nop)", Unknown, "");
}

#[test]
fn unknown_shapes_keep_trimmed_original() {
    check("  jib-maven-plugin:3.4.0 ", Unknown, "jib-maven-plugin:3.4.0");
    check("pip install x", Unknown, "pip install x");
    check(
        "/bin/sh -c #(nop) FROBNICATE x",
        Unknown,
        "/bin/sh -c #(nop) FROBNICATE x",
    );
    check("/bin/sh -c", Unknown, "/bin/sh -c");
    check("/bin/sh -x", Unknown, "/bin/sh -x");
    check("/bin/sh -c  # buildkit", Unknown, "/bin/sh -c  # buildkit");
}

#[test]
fn lowercase_command_words_are_not_keywords() {
    check("env X=1 make", Unknown, "env X=1 make");
    check("Run x", Unknown, "Run x");
}

#[test]
fn buildkit_marker_detection() {
    assert!(is_buildkit("RUN /bin/sh -c true # buildkit"));
    assert!(is_buildkit("COPY . / # buildkit  "));
    assert!(!is_buildkit("/bin/sh -c true"));
    assert!(!is_buildkit(""));
}

#[test]
fn marker_only_removed_at_end() {
    check("RUN /bin/sh -c echo '# buildkit' > f", Run, "echo '# buildkit' > f");
}

#[test]
fn keyword_lookup_is_case_insensitive() {
    assert_eq!(InstructionKind::from_keyword("run"), Some(Run));
    assert_eq!(InstructionKind::from_keyword("HealthCheck"), Some(Healthcheck));
    assert_eq!(InstructionKind::from_keyword("STOPSIGNAL"), Some(Stopsignal));
    assert_eq!(InstructionKind::from_keyword("unknown"), None);
    assert_eq!(InstructionKind::from_keyword(""), None);
    assert_eq!(InstructionKind::from_keyword("RUNX"), None);
}

#[test]
fn as_str_round_trips_and_matches_serde() {
    for (kind, word) in KEYWORDS {
        assert_eq!(kind.as_str(), word);
        assert_eq!(InstructionKind::from_keyword(word), Some(kind));
        assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{word}\""));
    }
    assert_eq!(Unknown.as_str(), "UNKNOWN");
    assert_eq!(serde_json::to_string(&Unknown).unwrap(), "\"UNKNOWN\"");
}

#[test]
fn instruction_serialises() {
    let json = serde_json::to_string(&parse_created_by("USER app")).unwrap();
    assert_eq!(json, r#"{"kind":"USER","text":"app"}"#);
}

#[test]
fn go_list_escapes() {
    check(r#"CMD ["a\tb" "\u00e9" "\x41"]"#, Cmd, "[\"a\\tb\",\"é\",\"A\"]");
    check(r#"ENTRYPOINT []"#, Entrypoint, "[]");
}

#[test]
fn never_panics_on_odd_input() {
    let samples = [
        "|",
        "|x",
        "|99999999999999999999 a",
        "|3 a",
        "RUN |2",
        "RUN |",
        "#(nop)",
        "é",
        "RUN é",
        "/bin/sh -c é",
        "CMD [\"\\u",
        "CMD [\"\\U0011ffff\"]",
        "CMD [\"",
        "EXPOSE map[",
        "EXPOSE map[x]",
        "/bin/sh -o",
        "/bin/bash -o pipefail",
        "cmd /S",
        "pwsh",
        "\u{0}",
        "RUN /bin/sh -c \u{2028}x",
        "# buildkit",
    ];
    for s in samples {
        let _ = parse_created_by(s);
        let _ = is_buildkit(s);
    }
}

#[test]
fn buildkit_marker_alone_is_unknown() {
    check("# buildkit", Unknown, "# buildkit");
}
