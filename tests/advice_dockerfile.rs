//! Fixes that edit a Dockerfile line (issue 19): the whole rewritten command with the line's own
//! flags, the Dockerfile's text rather than the history's record of it, the checks that read
//! the history when no Dockerfile is given, and the text output that keeps such a line whole.

use crate::advice::{careful_dockerfile, finding, findings_with};
use crate::rules::{bytes, careful, findings};
use crate::support::fixture::Layer;

/// DW703 leaves alone what keeps pip's cache out already (uv's pip with `--no-cache`, an inline
/// or ENV `PIP_NO_CACHE_DIR`), and where DW101 reports the line's cache with its bytes it does
/// not repeat it with none.
#[test]
fn pip_without_no_cache_dir_only_where_pip_caches() {
    let dw703 = |more: &str| {
        let f = findings_with(careful(), &careful_dockerfile(more), true);
        f.iter().filter(|x| x.rule == "DW703").count()
    };
    assert_eq!(dw703("RUN pip install flask\n"), 1, "the plain case");
    assert_eq!(dw703("RUN uv pip install --no-cache flask\n"), 0);
    assert_eq!(dw703("RUN PIP_NO_CACHE_DIR=1 pip install flask\n"), 0);
    assert_eq!(dw703("ENV PIP_NO_CACHE_DIR=1\nRUN pip install flask\n"), 0);
    let env = careful().run_config(serde_json::json!({"User": "app", "Env": ["PIP_NO_CACHE_DIR=1", "PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1"]}));
    assert_eq!(
        findings_with(env, &careful_dockerfile("RUN pip install flask\n"), true)
            .iter()
            .filter(|x| x.rule == "DW703")
            .count(),
        0
    );
    let cached = careful().layer(
        "RUN /bin/sh -c pip install flask # buildkit",
        Layer::new().file("root/.cache/pip/http/1/abc", vec![1u8; 3000]),
    );
    let f = findings_with(cached, &careful_dockerfile("RUN pip install flask\n"), true);
    assert_eq!(bytes(&f, "DW101"), 3000, "{f:#?}");
    assert!(!f.iter().any(|x| x.rule == "DW703"), "DW101 says it: {f:#?}");
}

/// DW702 finds `apt-get install` whatever its options' order and `apt install`, and gives the
/// whole command back with the flag added; a fix from the Dockerfile keeps the line's flags.
#[test]
fn apt_and_pip_fixes_are_the_whole_line_with_its_flags() {
    let fix = |more: &str, rule: &str| {
        let f = findings_with(careful(), &careful_dockerfile(more), true);
        finding(&f, rule).fix.clone()
    };
    assert_eq!(
        fix("RUN apt-get update && apt-get -y install gcc libpq-dev\n", "DW702"),
        "line 9: `RUN apt-get update && apt-get -y install --no-install-recommends gcc libpq-dev`"
    );
    assert!(fix("RUN apt-get install -qy curl\n", "DW702").contains("install --no-install-recommends -qy curl"));
    assert!(fix("RUN apt install curl\n", "DW702").contains("apt install --no-install-recommends curl"));
    assert_eq!(
        fix(
            "RUN --mount=type=secret,id=netrc,target=/root/.netrc pip install flask\n",
            "DW703"
        ),
        "line 9: `RUN --mount=type=secret,id=netrc,target=/root/.netrc pip install --no-cache-dir flask`"
    );
}

/// Given the Dockerfile, DW503 quotes its line (`COPY . /app`), not the history's record of it
/// (`COPY dir:<hash> in /app`); a symbolic chmod becomes the octal mode the files got; the
/// title names what changed.
#[test]
fn dw503_quotes_the_dockerfile_and_gives_an_octal_mode() {
    let img = careful()
        .layer(
            "/bin/sh -c #(nop) COPY dir:9794b0aa in /app ",
            Layer::new().file_with("app/run.sh", "echo hi\n", 0o644, 0, 0),
        )
        .layer(
            "/bin/sh -c chmod +x /app/run.sh",
            Layer::new().file_with("app/run.sh", "echo hi\n", 0o755, 0, 0),
        );
    let f = findings_with(
        img,
        &careful_dockerfile("COPY . /app\nRUN chmod +x /app/run.sh\n"),
        true,
    );
    let again = finding(&f, "DW503");
    assert!(
        again
            .fix
            .starts_with("use `COPY --chmod=755` at line 9 (`COPY . /app`)"),
        "{}",
        again.fix
    );
    assert!(!again.fix.contains("dir:"), "{}", again.fix);
    assert!(again.title.ends_with("again with new mode only"), "{}", again.title);
}

/// A fix rebuilt from the history says so (BuildKit drops `--mount` from it); from the
/// Dockerfile it keeps the line's flags.
#[test]
fn fixes_keep_the_dockerfiles_flags_or_say_they_come_from_history() {
    let img = || {
        careful().layer(
            "RUN /bin/sh -c pip install flask # buildkit",
            Layer::new().file("root/.cache/pip/http/1/abc", vec![1u8; 3000]),
        )
    };
    let f = findings(img());
    assert!(
        finding(&f, "DW101").fix.contains("rebuilt from the image history"),
        "{f:#?}"
    );
    let line = "RUN --mount=type=secret,id=netrc,target=/root/.netrc pip install flask\n";
    let f = findings_with(img(), &careful_dockerfile(line), true);
    let fix = &finding(&f, "DW101").fix;
    assert!(
        fix.contains("`RUN --mount=type=secret,id=netrc,target=/root/.netrc pip install --no-cache-dir flask`"),
        "{fix}"
    );
    assert!(!fix.contains("history"), "{fix}");
}

/// The text output wraps a long fix instead of cutting it: DW101's rewritten RUN line can be
/// copied whole.
#[test]
fn text_output_wraps_fixes_whole() {
    let run =
        "pip install --prefer-binary --index-url https://pypi.example.org/simple flask gunicorn sqlalchemy psycopg";
    let img = careful().layer(
        &format!("RUN /bin/sh -c {run} # buildkit"),
        Layer::new().file("root/.cache/pip/http/1/abc", vec![1u8; 3000]),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = crate::support::layout::Format::OciArchive.save(dir.path(), &[img]);
    let out = crate::support::bin().arg(&path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let fixed = run.replacen("pip install", "pip install --no-cache-dir", 1);
    assert!(flat.contains(&format!("`RUN {fixed}`")), "{text}");
}

/// Without `--dockerfile`, the Dockerfile-text checks read the history's commands and say so;
/// the base image's history is not the user's.
#[test]
fn dockerfile_checks_read_the_history_without_a_dockerfile() {
    let img = careful()
        .layer(
            "RUN /bin/sh -c apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/* # buildkit",
            Layer::new().file("usr/bin/curl", vec![b'c'; 900]),
        )
        .layer(
            "COPY . /srv # buildkit",
            Layer::new().file("srv/requirements.txt", "flask==3.0.3\n"),
        )
        .layer(
            "RUN /bin/sh -c pip install -r /srv/requirements.txt # buildkit",
            Layer::new().file(
                "usr/local/lib/python3.11/site-packages/flask/__init__.py",
                vec![b'f'; 500],
            ),
        );
    let f = findings(img);
    for rule in ["DW505", "DW702", "DW703"] {
        let x = finding(&f, rule);
        assert!(x.fix.contains("image history"), "{rule}: {}", x.fix);
        assert!(x.layer.is_some(), "{rule}: {x:#?}");
    }
    assert!(
        finding(&f, "DW702")
            .fix
            .contains("apt-get install --no-install-recommends -y curl")
    );
    assert!(
        !f.iter().any(|x| x.rule == "DW701"),
        "no Dockerfile, no .dockerignore to miss"
    );
}

/// A `pip install` naming packages without `==` (DW704), from the Dockerfile; a pinned one, a
/// requirements file or a constraints file is not reported.
#[test]
fn unpinned_dependencies_on_the_command_line() {
    let f = findings_with(
        careful(),
        &careful_dockerfile("RUN pip install --no-cache-dir flask 'gunicorn>=22'\n"),
        true,
    );
    let loose = finding(&f, "DW704");
    assert!(loose.title.ends_with("flask, gunicorn>=22"), "{}", loose.title);
    assert!(
        loose.fix.contains("flask==<version> gunicorn==<version>"),
        "{}",
        loose.fix
    );
    for pinned in [
        "RUN pip install --no-cache-dir flask==3.0.3\n",
        "RUN pip install --no-cache-dir -r requirements.txt\n",
        "RUN pip install --no-cache-dir -c constraints.txt flask\n",
    ] {
        let f = findings_with(careful(), &careful_dockerfile(pinned), true);
        assert!(!f.iter().any(|x| x.rule == "DW704"), "{pinned}: {f:#?}");
    }
}

/// Without the Dockerfile, buildah's history names a COPY only by a hash (`COPY dir:<hash> in
/// /app`): DW505 reports it when the copy holds a dependency manifest among other files, says
/// what it saw and that the history cannot name the directory, and is silent when the copy
/// holds no manifest (the install does not read it).
#[test]
fn a_hashed_copy_before_the_install_says_what_it_saw() {
    let img = |files: &[&str]| {
        let mut l = Layer::new();
        for f in files {
            l = l.file(format!("app/{f}"), "x\n");
        }
        careful()
            .layer("/bin/sh -c #(nop) COPY dir:9794b0aa in /app ", l)
            .layer(
                "/bin/sh -c pip install -r /app/requirements.txt",
                Layer::new().file("usr/local/lib/python3.11/site-packages/flask/__init__.py", "x\n"),
            )
    };
    let f = findings(img(&["requirements.txt", "main.py", "models.py"]));
    let early = finding(&f, "DW505");
    assert!(
        early
            .title
            .contains("copies /app/requirements.txt together with 2 other files")
            && early.title.contains("only by its hash"),
        "{}",
        early.title
    );
    assert!(!early.title.contains("whole build context"), "{}", early.title);
    assert!(early.fix.contains("image history"), "{}", early.fix);
    let f = findings(img(&["main.py", "models.py"]));
    assert!(!f.iter().any(|x| x.rule == "DW505"), "{f:#?}");
}

/// DW506's fix is a command that runs as pasted: the log files under /var/log go with `find
/// ... -delete` (their directories stay, services expect them), temporary files by name.
#[test]
fn temporary_and_log_file_fixes_name_what_to_remove() {
    let logs = careful().layer(
        "RUN /bin/sh -c apt-get install -y curl # buildkit",
        Layer::new()
            .file("var/log/apt/history.log", vec![b'l'; 30_000])
            .file("var/log/dpkg.log", vec![b'd'; 40_000]),
    );
    let f = findings_with(logs, &careful_dockerfile("RUN apt-get install -y curl\n"), true);
    assert_eq!(
        finding(&f, "DW506").fix,
        "line 9: remove them in the same RUN that writes them (`RUN apt-get install -y curl && find /var/log -type f -delete`)"
    );
    let tmp = careful().layer(
        "RUN /bin/sh -c curl -o /tmp/sdk.tar.gz https://example.org/sdk.tar.gz # buildkit",
        Layer::new().file("tmp/sdk.tar.gz", vec![7u8; 5_000_000]),
    );
    let f = findings_with(
        tmp,
        &careful_dockerfile("RUN curl -o /tmp/sdk.tar.gz https://example.org/sdk.tar.gz\n"),
        true,
    );
    let fix = &finding(&f, "DW506").fix;
    assert!(
        fix.ends_with("https://example.org/sdk.tar.gz && rm -rf /tmp/sdk.tar.gz`)"),
        "{fix}"
    );
}

/// DW105 on a RUN that updates and installs gives the whole line with the removal appended,
/// ready to paste; on a bare `apt-get update` it says what to merge.
#[test]
fn apt_lists_fix_is_the_whole_line_when_the_run_installs() {
    let lists = || Layer::new().file("var/lib/apt/lists/x_Packages", vec![1u8; 30_000]);
    let img = careful().layer(
        "RUN /bin/sh -c apt-get update && apt-get install -y gcc # buildkit",
        lists(),
    );
    let f = findings_with(
        img,
        &careful_dockerfile("RUN apt-get update \\\n && apt-get install -y \\\n    gcc\n"),
        true,
    );
    assert_eq!(
        finding(&f, "DW105").fix,
        "line 9: remove the lists in the same RUN: `RUN apt-get update && apt-get install -y gcc && rm -rf /var/lib/apt/lists/*`"
    );
    let img = careful().layer("RUN /bin/sh -c apt-get update # buildkit", lists());
    let f = findings_with(img, &careful_dockerfile("RUN apt-get update\n"), true);
    assert!(finding(&f, "DW105").fix.contains("in one RUN (`RUN apt-get update`)"));
}

/// An exec-form (JSON) RUN gets its own JSON line back with the flag, not a generic sentence.
#[test]
fn an_exec_form_pip_install_gets_its_json_line_back() {
    let img = careful().layer(
        "RUN pip install flask # buildkit",
        Layer::new().file("root/.cache/pip/http/1/abc", vec![1u8; 3000]),
    );
    let f = findings_with(
        img,
        &careful_dockerfile("RUN [\"pip\", \"install\", \"flask\"]\n"),
        true,
    );
    assert_eq!(
        finding(&f, "DW101").fix,
        "line 9: add --no-cache-dir: `RUN [\"pip\", \"install\", \"--no-cache-dir\", \"flask\"]`"
    );
}

/// DW105 does not advise removing the lists where a later RUN still installs from them.
#[test]
fn apt_lists_a_later_install_reads_are_removed_after_it() {
    let img = careful()
        .layer(
            "RUN /bin/sh -c apt-get update && apt-get install -y curl # buildkit",
            Layer::new().file("var/lib/apt/lists/x_Packages", vec![1u8; 30_000]),
        )
        .layer(
            "RUN /bin/sh -c apt-get install -y gcc # buildkit",
            Layer::new().file("usr/bin/gcc-12", vec![2u8; 3000]),
        );
    let f = findings_with(
        img,
        &careful_dockerfile("RUN apt-get update && apt-get install -y curl\nRUN apt-get install -y gcc\n"),
        true,
    );
    let fix = &finding(&f, "DW105").fix;
    assert!(fix.starts_with("line 10: installs from these lists too"), "{fix}");
}

/// Files a COPY brought and a later RUN deleted are not "merged into one RUN" (a COPY is not a
/// RUN): they are left out of the copy. A chmod of one file among other commands is not a
/// `COPY --chmod` over everything, nor a reason to remove the whole RUN.
#[test]
fn copied_then_deleted_or_chmodded_files_get_copy_advice() {
    let img = careful()
        .layer(
            "/bin/sh -c #(nop) COPY dir:abc in / ",
            Layer::new()
                .file_with("etc/app.conf", "secret=1\n", 0o644, 0, 0)
                .file("data/big.bin", vec![5u8; 9000]),
        )
        .layer(
            "/bin/sh -c rm -rf /data/big.bin && chmod 0600 /etc/app.conf && echo hi > /hello.txt",
            Layer::new()
                .whiteout("data/big.bin")
                .file_with("etc/app.conf", "secret=1\n", 0o600, 0, 0)
                .file("hello.txt", "hi\n"),
        );
    let f = findings_with(
        img,
        &careful_dockerfile(
            "COPY rootfs/ /\nRUN rm -rf /data/big.bin && chmod 0600 /etc/app.conf && echo hi > /hello.txt\n",
        ),
        true,
    );
    let deleted = &finding(&f, "DW501").fix;
    assert!(
        deleted.contains("leave them out of the copy") && !deleted.contains("into one RUN"),
        "{deleted}"
    );
    let mode = &finding(&f, "DW503").fix;
    assert!(
        !mode.contains("use `COPY --chmod=0600` at") && !mode.contains("and remove line"),
        "{mode}"
    );
    assert!(mode.contains("drop the `chmod` from line 10"), "{mode}");
}

/// A download by `ADD URL` that a later RUN unpacks and deletes is made in that RUN instead.
#[test]
fn an_added_download_deleted_later_is_downloaded_in_the_run() {
    let img = careful()
        .layer(
            "/bin/sh -c #(nop) ADD https://example.org/sdk.tar.gz /tmp/ ",
            Layer::new().file("tmp/sdk.tar.gz", vec![5u8; 9000]),
        )
        .layer(
            "/bin/sh -c tar xzf /tmp/sdk.tar.gz -C /opt && rm /tmp/sdk.tar.gz",
            Layer::new()
                .whiteout("tmp/sdk.tar.gz")
                .file("opt/sdk/bin", vec![1u8; 10]),
        );
    let f = findings_with(
        img,
        &careful_dockerfile(
            "ADD https://example.org/sdk.tar.gz /tmp/\nRUN tar xzf /tmp/sdk.tar.gz -C /opt && rm /tmp/sdk.tar.gz\n",
        ),
        true,
    );
    let fix = &finding(&f, "DW501").fix;
    assert!(fix.contains("curl -fsSLO https://example.org/sdk.tar.gz"), "{fix}");
}

/// DW107 after `apk update` says to drop it: `--no-cache` alone leaves the index it wrote.
#[test]
fn apk_cache_advice_drops_apk_update() {
    let img = careful().layer(
        "RUN /bin/sh -c apk update && apk add python3 # buildkit",
        Layer::new().file("var/cache/apk/APKINDEX.abc.tar.gz", vec![1u8; 30_000]),
    );
    let f = findings_with(img, &careful_dockerfile("RUN apk update && apk add python3\n"), true);
    assert!(finding(&f, "DW107").fix.contains("drop `apk update`"), "{:#?}", f);
}

/// DW503's `COPY --chown=NAME` advice says to move the COPY after the RUN that creates the user:
/// before it, the build fails ("unable to find user").
#[test]
fn copy_chown_by_name_advice_follows_the_user() {
    let img = careful()
        .layer(
            "/bin/sh -c #(nop) COPY dir:abc in /srv ",
            Layer::new().file_with("srv/run.py", "print(1)\n", 0o644, 0, 0),
        )
        .layer(
            "/bin/sh -c useradd --create-home web",
            Layer::new().file("etc/group", "web:x:1001:\n"),
        )
        .layer(
            "/bin/sh -c chown -R web:web /srv",
            Layer::new().file_with("srv/run.py", "print(1)\n", 0o644, 1001, 1001),
        );
    let f = findings_with(
        img,
        &careful_dockerfile("COPY . /srv\nRUN useradd --create-home web\nRUN chown -R web:web /srv\n"),
        true,
    );
    let fix = &finding(&f, "DW503").fix;
    assert!(fix.contains("move that COPY after line 10"), "{fix}");
}
