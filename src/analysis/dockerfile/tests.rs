//! Unit tests for `dockerfile.rs`, kept in a sibling file so the parser
//! itself stays short. Line numbers are always checked exactly because layer
//! attribution depends on them.

use super::*;
use InstructionKind as K;

fn ok(text: &str) -> Dockerfile {
    parse(text).unwrap_or_else(|e| panic!("unexpected parse error: {e}\n---\n{text}"))
}

fn err(text: &str) -> ParseError {
    match parse(text) {
        Ok(df) => panic!("expected an error, got {df:?}"),
        Err(e) => e,
    }
}

/// The instructions of the last stage.
fn insts(text: &str) -> Vec<DockerInstruction> {
    let df = ok(text);
    df.final_stage().map(|s| s.instructions.clone()).unwrap_or_default()
}

/// The single instruction of a one-stage Dockerfile.
fn only(text: &str) -> DockerInstruction {
    let mut all = insts(text);
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}

/// `KIND@line[-end] [--flag[=v]]... "args"`: one string that pins down an
/// instruction's kind, exact lines, flags and arguments.
fn summary(i: &DockerInstruction) -> String {
    let mut s = format!("{}@{}", i.kind.as_str(), i.line);
    if i.end_line != i.line {
        s += &format!("-{}", i.end_line);
    }
    for (name, value) in &i.flags {
        s += &format!(" --{name}");
        s += &value.as_ref().map(|v| format!("={v}")).unwrap_or_default();
    }
    s + &format!(" {:?}", i.args)
}

fn summaries<'a>(insts: impl IntoIterator<Item = &'a DockerInstruction>) -> String {
    insts.into_iter().map(summary).collect::<Vec<_>>().join(" ; ")
}

fn strings(xs: &[&str]) -> Option<Vec<String>> {
    Some(xs.iter().map(|s| s.to_string()).collect())
}

/// `Dockerfile => expected summaries of the last stage`, one case per entry.
const SHAPES: &[&str] = &[
    // Comments vanish everywhere, also inside continuations; `#` mid-line is text.
    "# c\nFROM a\n # c\nRUN a \\\n# c\n   # c\n  b # c\n => RUN@4-7 \"a b # c\"",
    // Trailing whitespace after the escape; blank lines do not end a continuation.
    "FROM a\nRUN echo a \\  \t\n\n   \n  b \\\n  c\n => RUN@2-6 \"echo a b c\"",
    // Without whitespace at the junction the pieces are glued, as by a shell.
    "FROM a\nRUN echo hel\\\nlo\n => RUN@2-3 \"echo hello\"",
    "FROM a\nRUN echo a \\\n => RUN@2 \"echo a\"",
    // The keyword's own line counts, not an empty continued line before it.
    "FROM a\n\\\nRUN x\n => RUN@3 \"x\"",
    "from a\nrun x\nCoPy a b\n => RUN@2 \"x\" ; COPY@3 \"a b\"",
    // Heredocs: bodies are verbatim (comments kept) and appended to args.
    "FROM a\nRUN <<EOF\nx\n# kept\nEOF\nUSER u\n => \
        RUN@2-5 \"<<EOF\\nx\\n# kept\\nEOF\" ; USER@6 \"u\"",
    "FROM a\nRUN <<-EOT\n\tone\n\t\ttwo\n\tEOT\n => RUN@2-5 \"<<-EOT\\none\\ntwo\\nEOT\"",
    "FROM a\nCOPY <<EOF /etc/x.conf\nk=v\nEOF\n => COPY@2-4 \"<<EOF /etc/x.conf\\nk=v\\nEOF\"",
    "FROM a\nRUN <<A a && <<-B b\n1\nA\n\t2\n\tB\nCMD x\n => \
        RUN@2-6 \"<<A a && <<-B b\\n1\\nA\\n2\\nB\" ; CMD@7 \"x\"",
    "FROM a\nRUN --network=none \\\n  py <<PY\nprint(1)\nPY\n => \
        RUN@2-5 --network=none \"py <<PY\\nprint(1)\\nPY\"",
    // A terminator must match the whole line.
    "FROM a\nRUN <<EOF\nEOF \n EOF\nEOF\n => RUN@2-5 \"<<EOF\\nEOF \\n EOF\\nEOF\"",
    "FROM a\nONBUILD RUN <<EOF\ntrue\nEOF\n => ONBUILD@2-4 \"RUN <<EOF\\ntrue\\nEOF\"",
    // Not heredocs: quoted, not a whole word, not RUN/COPY/ADD, exec form.
    "FROM a\nRUN echo \"<<EOF\" a<<b\n => RUN@2 \"echo \\\"<<EOF\\\" a<<b\"",
    "FROM a\nENV X=<<EOF\nRUN [\"cat\", \"<<EOF\"]\n => \
        ENV@2 \"X=<<EOF\" ; RUN@3 \"[\\\"cat\\\", \\\"<<EOF\\\"]\"",
    // Flags, including repeated, valueless, quoted and a `--` terminator.
    "FROM a\nCOPY --from=b --chown=1:1 --chmod=755 --link s d\n => \
        COPY@2 --from=b --chown=1:1 --chmod=755 --link \"s d\"",
    "FROM a\nRUN --mount=type=cache,target=/c \\\n  --mount=type=secret,id=t make\n => \
        RUN@2-3 --mount=type=cache,target=/c --mount=type=secret,id=t \"make\"",
    "FROM a\nRUN --network=host --security=insecure make\n => \
        RUN@2 --network=host --security=insecure \"make\"",
    "FROM a\nRUN --mount=\"type=bind,source=a b\" -- --x\n => \
        RUN@2 --mount=type=bind,source=a b \"--x\"",
    "FROM a\nADD --checksum=sha256:ab --link=false u /y\n => \
        ADD@2 --checksum=sha256:ab --link=false \"u /y\"",
    "FROM a\nHEALTHCHECK --interval=30s CMD curl x || exit 1\n => \
        HEALTHCHECK@2 --interval=30s \"CMD curl x || exit 1\"",
    // ONBUILD keeps its trigger, flags included, as text.
    "FROM a\nONBUILD RUN make\nonbuild copy --from=x a b\n => \
        ONBUILD@2 \"RUN make\" ; ONBUILD@3 \"copy --from=x a b\"",
];

#[test]
fn instruction_shapes() {
    for case in SHAPES {
        let (text, want) = case.split_once(" => ").unwrap();
        assert_eq!(summaries(&insts(text)), want, "{text:?}");
    }
}

const PYTHON: &str = r#"# syntax=docker/dockerfile:1.7
ARG PYTHON_VERSION=3.12

FROM python:${PYTHON_VERSION}-slim AS builder
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY requirements.txt .
RUN --mount=type=cache,target=/root/.cache/pip \
    pip wheel --wheel-dir /wheels -r requirements.txt

FROM python:${PYTHON_VERSION}-slim
# runtime only
WORKDIR /app
COPY --from=builder /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
COPY --chown=app:app . .
USER app
EXPOSE 8000
CMD ["python3", "-m", "app"]
"#;

const PYTHON_BUILDER: &[&str] = &[
    "RUN@5-7 \"apt-get update && apt-get install -y --no-install-recommends gcc \
     && rm -rf /var/lib/apt/lists/*\"",
    r#"WORKDIR@8 "/build""#,
    r#"COPY@9 "requirements.txt .""#,
    "RUN@10-11 --mount=type=cache,target=/root/.cache/pip \
     \"pip wheel --wheel-dir /wheels -r requirements.txt\"",
];

const PYTHON_FINAL: &[&str] = &[
    r#"WORKDIR@15 "/app""#,
    r#"COPY@16 --from=builder "/wheels /wheels""#,
    r#"RUN@17 "pip install --no-cache-dir /wheels/* && rm -rf /wheels""#,
    r#"COPY@18 --chown=app:app ". .""#,
    r#"USER@19 "app""#,
    r#"EXPOSE@20 "8000""#,
    r#"CMD@21 "[\"python3\", \"-m\", \"app\"]""#,
];

#[test]
fn realistic_multi_stage_python() {
    let df = ok(PYTHON);
    assert_eq!(df.syntax.as_deref(), Some("docker/dockerfile:1.7"));
    assert_eq!(summaries(&df.global_args), r#"ARG@2 "PYTHON_VERSION=3.12""#);
    assert_eq!(df.stages.len(), 2);
    let builder = &df.stages[0];
    assert_eq!((builder.index, builder.from_line), (0, 4));
    assert_eq!(builder.name.as_deref(), Some("builder"));
    assert_eq!(builder.base, "python:3.12-slim");
    assert_eq!(summaries(&builder.instructions), PYTHON_BUILDER.join(" ; "));
    let wheel = &builder.instructions[3];
    assert_eq!(wheel.flag("mount"), Some("type=cache,target=/root/.cache/pip"));

    let fin = df.final_stage().unwrap();
    assert_eq!((fin.index, fin.name.as_deref()), (1, None));
    assert_eq!((fin.from_line, fin.base.as_str()), (13, "python:3.12-slim"));
    assert_eq!(summaries(&fin.instructions), PYTHON_FINAL.join(" ; "));
    assert_eq!(fin.instructions[1].flag("from"), Some("builder"));
    let cmd = &fin.instructions[6];
    assert_eq!(cmd.json_form, strings(&["python3", "-m", "app"]));
    // The builder stage is only a `COPY --from` source: none of its layers.
    let chain = df.layer_chain();
    let layers = chain.into_iter().filter(|i| i.creates_layer());
    let lines: Vec<usize> = layers.map(|i| i.line).collect();
    assert_eq!(lines, [16, 17, 18]);
}

#[test]
fn syntax_and_escape_directives() {
    let df = ok("# syntax=docker/dockerfile:1\n# escape=`\nFROM scratch\nRUN echo a `\n  b\n");
    assert_eq!(df.syntax.as_deref(), Some("docker/dockerfile:1"));
    assert_eq!(df.escape, '`');
    let run = &df.stages[0].instructions;
    assert_eq!(summaries(run), r#"RUN@4-5 "echo a b""#);
    // With a backtick escape, backslashes are ordinary characters.
    let run = only("# escape=`\nFROM windows\nRUN dir C:\\ `\n  /s\n");
    assert_eq!(run.args, "dir C:\\ /s");
}

#[test]
fn directives_are_case_insensitive_and_spaced() {
    let df = ok("#  SYNTAX = example/frontend \n#Escape=`\nFROM a\n");
    assert_eq!(df.syntax.as_deref(), Some("example/frontend"));
    assert_eq!(df.escape, '`');
}

#[test]
fn directives_only_in_the_leading_block() {
    // After a blank line, an ordinary comment or an instruction, `# k=v` is a comment.
    assert_eq!(ok("\n# escape=`\nFROM a\n").escape, '\\');
    assert_eq!(ok("# hello\n# escape=`\nFROM a\n").escape, '\\');
    assert_eq!(ok("FROM a\n# syntax=x\n").syntax, None);
    // An unknown directive counts as a comment and so ends directive parsing.
    assert_eq!(ok("# foo=bar\n# escape=`\nFROM a\n").escape, '\\');
    // `check` is a known directive, so scanning continues after it.
    assert_eq!(ok("# check=skip=all\n# escape=`\nFROM a\n").escape, '`');
}

#[test]
fn directive_errors() {
    assert_eq!(err("# escape=x\nFROM a\n").line, 1);
    let e = err("# syntax=a\n# syntax=b\nFROM a\n");
    assert_eq!(e.line, 2);
    assert!(e.message.contains("only one syntax"), "{e}");
}

#[test]
fn heredoc_fields() {
    let all = insts("FROM a\nRUN <<EOF\nx\n# kept\nEOF\nRUN <<A a && <<-B b\n1\nA\n\t2\n\tB\n");
    let body = "x\n# kept\n".to_string();
    let delimiter = "EOF".to_string();
    assert_eq!(all[0].heredocs, [Heredoc { delimiter, body }]);
    assert_eq!(all[0].json_form, None);
    let docs = &all[1].heredocs;
    let got: Vec<(&str, &str)> = docs.iter().map(|h| (&*h.delimiter, &*h.body)).collect();
    assert_eq!(got, [("A", "1\n"), ("B", "2\n")]);
}

#[test]
fn heredoc_quoted_delimiters() {
    let run = only("FROM a\nRUN <<\"EOF\"\n$x\nEOF\n");
    assert_eq!(run.heredocs[0].delimiter, "EOF");
    let run = only("FROM a\nRUN <<'END'\n$x\nEND\n");
    assert_eq!(run.heredocs[0].body, "$x\n");
}

#[test]
fn unterminated_heredoc_is_an_error() {
    let e = err("FROM a\nRUN <<EOF\necho\n");
    assert_eq!(e.line, 2);
    assert_eq!(e.message, "unterminated heredoc EOF");
}

#[test]
fn json_exec_form() {
    let all = insts(
        "FROM a\nCMD [\"a\",\"b\"]\nENTRYPOINT [ \"/e.sh\" , \"-x\" ]\n\
         RUN [\"pip\",\"install\"]\nCMD []\n",
    );
    assert_eq!(all[0].json_form, strings(&["a", "b"]));
    assert_eq!(all[0].args, r#"["a","b"]"#);
    assert_eq!(all[1].json_form, strings(&["/e.sh", "-x"]));
    assert_eq!(all[2].json_form, strings(&["pip", "install"]));
    assert_eq!(all[3].json_form, strings(&[]));
}

#[test]
fn json_escapes_and_non_json() {
    let form = |args: &str| only(&format!("FROM a\nCMD {args}\n")).json_form;
    let escaped = form(r#"["a\"b", "c\\d", "\u00e9\n"]"#);
    assert_eq!(escaped, strings(&["a\"b", "c\\d", "é\n"]));
    let shell_forms = r#"python app.py|["a", 1]|["a",]|["a" "b"]|['a']|["a"] x|["\q"]|["\ud83d"]"#;
    for shell_form in shell_forms.split('|') {
        assert_eq!(form(shell_form), None, "{shell_form}");
    }
}

#[test]
fn flag_lookup() {
    let copy = only("FROM a\nCOPY --from=builder --link --link=x /out /out\n");
    assert_eq!(copy.flag("from"), Some("builder"));
    assert_eq!(copy.flag("link"), Some(""), "first occurrence wins");
    assert_eq!(copy.flag("missing"), None);
    assert_eq!(copy.flags[1], ("link".to_string(), None));
}

#[test]
fn from_platform_and_as_case_insensitive() {
    let df = ok("FROM --platform=$BUILDPLATFORM golang As Build\nFROM --platform=linux/arm64 alpine\n");
    let (s0, s1) = (&df.stages[0], &df.stages[1]);
    assert_eq!(s0.platform.as_deref(), Some("$BUILDPLATFORM"));
    assert_eq!((s0.base.as_str(), s0.name.as_deref()), ("golang", Some("build")));
    assert_eq!(s1.platform.as_deref(), Some("linux/arm64"));
    assert_eq!(s1.name, None);
}

#[test]
fn from_argument_errors() {
    for text in ["FROM\n", "FROM a b\n", "FROM a AS b c\n", "FROM a IS b\n"] {
        let e = err(text);
        assert_eq!(e.line, 1);
        assert_eq!(e.message, "FROM requires either one or three arguments");
    }
}

#[test]
fn global_arg_substitution() {
    let df = ok(
        "ARG REG=docker.io\nARG IMG=${REG}/library/python\nARG TAG\nARG DIST=\"slim\"\n\
                 FROM $IMG:${TAG:-3.12}-${DIST}\nFROM ${MISSING}/x:${TAG}\nFROM ${TAG-latest}x\n",
    );
    assert_eq!(df.global_args.len(), 4);
    assert_eq!(df.stages[0].base, "docker.io/library/python:3.12-slim");
    assert_eq!(df.stages[1].base, "${MISSING}/x:${TAG}");
    assert_eq!(df.stages[2].base, "latestx");
}

#[test]
fn arg_defaults_only_from_before_first_from() {
    let df = ok("ARG V=1\nFROM a:$V\nARG V=2\nFROM b:$V\n");
    assert_eq!(df.stages[0].base, "a:1");
    assert_eq!(df.stages[1].base, "b:1");
    assert_eq!(df.stages[0].instructions[0].kind, K::Arg);
}

#[test]
fn arg_substitution_edge_cases() {
    let df = ok("ARG A=x B=\nFROM $A$B${B:-d}${A:-z}${}${A\nFROM é$A\n");
    assert_eq!(df.stages[0].base, "xdx${}${A");
    assert_eq!(df.stages[1].base, "éx");
}

#[test]
fn self_doubling_args_stay_bounded() {
    // Found by the fuzzer: each line doubles the value, 2^40 bytes unbounded.
    let text = "ARG A=aaaaaaaa\n".to_string() + &"ARG A=$A$A\n".repeat(40) + "FROM x:$A\n";
    let df = ok(&text);
    assert!(df.stages[0].base.len() <= lex::MAX_EXPANSION + "x:".len());
    assert!(df.stages[0].base.starts_with("x:"));
    // Below the cap the value is expanded as usual.
    let df = ok("ARG A=ab\nARG A=$A$A\nARG A=$A$A\nFROM x:$A\n");
    assert_eq!(df.stages[0].base, "x:abababab");
}

#[test]
fn every_instruction_kind() {
    let text = "FROM a\nRUN a\nCOPY a b\nADD a b\nENV A=b\nARG X\nWORKDIR /w\nUSER u\nCMD c\n\
                ENTRYPOINT e\nEXPOSE 80\nLABEL a=b\nVOLUME /v\nHEALTHCHECK CMD true\n\
                SHELL [\"sh\",\"-c\"]\nSTOPSIGNAL SIGINT\nONBUILD RUN x\nMAINTAINER me\n";
    let kinds: Vec<&str> = insts(text).iter().map(|i| i.kind.as_str()).collect();
    let expected = "RUN COPY ADD ENV ARG WORKDIR USER CMD ENTRYPOINT EXPOSE LABEL VOLUME \
                    HEALTHCHECK SHELL STOPSIGNAL ONBUILD MAINTAINER";
    assert_eq!(kinds.join(" "), expected);
}

#[test]
fn onbuild_errors() {
    for trigger in ["ONBUILD RUN x", "FROM x", "MAINTAINER x", "FOO x", ""] {
        assert_eq!(err(&format!("FROM a\nONBUILD {trigger}\n")).line, 2, "{trigger}");
    }
}

#[test]
fn unknown_instruction_reports_its_line() {
    let e = err("FROM a\nRUN x\n\nFROBNICATE y\n");
    assert_eq!(e.to_string(), "line 4: unknown instruction: FROBNICATE");
}

#[test]
fn only_arg_before_first_from() {
    let e = err("# c\n\nRUN x\nFROM a\n");
    assert_eq!(e.line, 3);
    assert_eq!(e.message, "RUN before the first FROM: only ARG is allowed");
    let df = ok("ARG A\nARG B=1\nFROM a\n");
    assert_eq!(summaries(&df.global_args), r#"ARG@1 "A" ; ARG@2 "B=1""#);
}

#[test]
fn no_from_is_an_error() {
    assert_eq!(err("").line, 1);
    assert_eq!(err("# only a comment\n\n").line, 2);
    assert_eq!(err("ARG A=1\n").message, "no FROM instruction");
}

#[test]
fn creates_layer_only_for_run_copy_add() {
    let all = insts("FROM a\nRUN x\nCOPY a b\nADD a b\nWORKDIR /w\nENV A=b\nONBUILD RUN x\n");
    let flags: Vec<bool> = all.iter().map(DockerInstruction::creates_layer).collect();
    assert_eq!(flags, [true, true, true, false, false, false]);
}

#[test]
fn layer_chain_follows_from_stage_names() {
    let df = ok("FROM python:3.12 AS base\nRUN a\nFROM base AS deps\nRUN b\n\
                 FROM golang AS other\nRUN c\nFROM DEPS\nRUN d\n");
    assert_eq!(summaries(df.layer_chain()), r#"RUN@2 "a" ; RUN@4 "b" ; RUN@8 "d""#);
    assert_eq!(df.final_stage().map(|s| s.index), Some(3));
    // A similar-looking image name is not a stage reference.
    let df = ok("FROM a AS x\nRUN 1\nFROM x-y\nRUN 2\n");
    assert_eq!(summaries(df.layer_chain()), r#"RUN@4 "2""#);
}

#[test]
fn layer_chain_survives_inconsistent_hand_built_values() {
    let mut df = ok("FROM a AS a\nRUN x\n");
    df.stages[0].index = 5; // would make the stage its own parent
    assert_eq!(df.layer_chain().len(), 1);
    df.stages.clear();
    assert!(df.layer_chain().is_empty() && df.final_stage().is_none());
}

#[test]
fn crlf_and_bom() {
    let df = ok("\u{feff}# escape=`\r\nFROM a\r\nRUN echo a `\r\n  b\r\n");
    assert_eq!(df.escape, '`');
    assert_eq!(summaries(&df.stages[0].instructions), r#"RUN@3-4 "echo a b""#);
}

#[test]
fn serialises_to_json() {
    let json = serde_json::to_value(ok("FROM a AS b\nCOPY --link x y\n")).unwrap();
    let copy = &json["stages"][0]["instructions"][0];
    assert_eq!(copy["kind"], "COPY");
    assert_eq!(copy["flags"][0], serde_json::json!(["link", null]));
    assert_eq!(json["escape"], "\\");
}

/// Inputs chosen to hit every early exit and multi-byte boundary; `|` separates them.
const ODD_INPUTS: &str = "\\|`|FROM|FROM é AS é|FROM a\nRUN <<|FROM a\nRUN <<-|\
    FROM a\nRUN 2<<é\né\n|FROM a\nRUN --|FROM a\nRUN --=x|FROM a\nRUN --\"|\
    FROM a\nRUN \"open|FROM a\nRUN \\|# escape=é\n|#\n|# =x\n|FROM $|FROM ${|\
    FROM ${é:-é}|ARG é=é\nFROM $é|FROM a\nCMD [\"\\u|FROM a\nCMD [|FROM a\nCMD ]|\
    FROM a\nCMD [\"\\uzzzz\"]|\u{feff}|\r\n\r\n|FROM a\nRUN x \\\n\u{2028}\n|FROM a\nRUN é\\";

#[test]
fn never_panics_on_odd_input() {
    for text in ODD_INPUTS.split('|') {
        let _ = parse(text);
    }
}
