//! Writes libbtf's public headers from btf-capi's `extern "C"` entry points with cbindgen:
//! `btf.h`, `libbpf.h` and `libbpf_legacy.h` in `include/bpf/` (or the directory given with
//! `--out`). Each header takes the functions libbpf declares in its header of that name; the
//! declarations around them (enums, macros, the print callback's typedef) are written here, in
//! [`HEADERS`], and the settings common to all three are in `capi/cbindgen.toml`.
//!
//! Before writing anything it checks that the three headers together declare exactly the global
//! symbols of `capi/libbtf.map`, each once: a header must not promise a function the shared
//! library does not export, nor leave an exported one undeclared.
//!
//! Usage: `btf-header-gen [--out DIR]`. Files whose content is unchanged are not rewritten.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// One generated header.
struct Header {
    file: &'static str,
    /// libbpf's include guard for this header, so a translation unit never gets two definitions.
    guard: &'static str,
    sys_includes: &'static [&'static str],
    includes: &'static [&'static str],
    /// The functions declared here; `None`: every exported function no other header takes.
    functions: Option<&'static [&'static str]>,
    /// Hand-written declarations placed after the includes, before the generated ones.
    preamble: &'static str,
    /// Hand-written text placed after the generated declarations, inside the include guard.
    trailer: &'static str,
}

const HEADERS: [Header; 3] = [
    Header {
        file: "btf.h",
        guard: "__LIBBPF_BTF_H",
        // Exactly libbpf's includes: a program that includes only <bpf/btf.h> sees no name
        // libbpf's btf.h would not show it (libbpf_set_print & co. are in <bpf/libbpf.h>, as in
        // libbpf; size_t comes from libbpf_common.h's <string.h>).
        sys_includes: &["stdarg.h", "stdbool.h", "linux/btf.h", "linux/types.h"],
        includes: &["libbpf_common.h"],
        functions: None,
        preamble: BTF_PREAMBLE,
        trailer: BTF_TRAILER,
    },
    Header {
        file: "libbpf.h",
        guard: "__LIBBPF_LIBBPF_H",
        sys_includes: &["stdarg.h", "stddef.h"],
        includes: &["libbpf_common.h", "libbpf_legacy.h"],
        functions: Some(&["libbpf_strerror", "libbpf_set_print"]),
        preamble: LIBBPF_PREAMBLE,
        trailer: "",
    },
    Header {
        file: "libbpf_legacy.h",
        guard: "__LIBBPF_LEGACY_BPF_H",
        sys_includes: &["stdbool.h", "stddef.h", "stdint.h", "linux/types.h"],
        includes: &["libbpf_common.h"],
        functions: Some(&[
            "libbpf_set_strict_mode",
            "libbpf_get_error",
            "libbpf_find_kernel_btf",
            "btf__get_raw_data",
            "btf_ext__get_raw_data",
        ]),
        preamble: LEGACY_PREAMBLE,
        trailer: "",
    },
];

const BTF_PREAMBLE: &str = r#"/* The version of libbtf itself; libbpf_version.h has the libbpf API version it implements. */
#define LIBBTF_MAJOR_VERSION @MAJOR@
#define LIBBTF_MINOR_VERSION @MINOR@
#define LIBBTF_PATCH_VERSION @PATCH@
#define LIBBTF_VERSION "@VERSION@"

/* Names of the ELF sections BTF is found in. */
#define BTF_ELF_SEC ".BTF"
#define BTF_EXT_ELF_SEC ".BTF.ext"
#define BTF_BASE_ELF_SEC ".BTF.base"
#define MAPS_ELF_SEC ".maps"

struct btf_type;
struct bpf_object;

/* Byte order of raw BTF data: what btf__endianness() reports and btf__set_endianness() takes. */
enum btf_endianness {
	BTF_LITTLE_ENDIAN = 0,
	BTF_BIG_ENDIAN = 1,
};

/* The callback a btf_dump writes through: a printf format and its arguments. */
typedef void (*btf_dump_printf_fn_t)(void *ctx, const char *fmt, va_list args);

/* The kinds of forward declaration btf__add_fwd() makes. */
enum btf_fwd_kind {
	BTF_FWD_STRUCT = 0,
	BTF_FWD_UNION = 1,
	BTF_FWD_ENUM = 2,
};"#;

const BTF_TRAILER: &str = r#"@LAST_FIELDS@
/* libbpf's static inline helpers for walking type records (btf_kind(), btf_members(), ...). */
#include "btf_inline.h""#;

/// Constants of btf.h: cbindgen writes every constant into every header, so the others leave
/// these out.
const BTF_H_CONSTANTS: [&str; 3] = [
    "LIBBTF_CHECK_CONSISTENT",
    "LIBBTF_CHECK_INCONSISTENT",
    "LIBBTF_CHECK_UNDECIDABLE",
];

/// libbpf's `<struct>__last_field` macros: the last field of each options struct. One is written
/// (in place of `@LAST_FIELDS@`) only for a struct the header defines.
const LAST_FIELDS: [(&str, &str); 7] = [
    ("libbtf_check_opts", "log_size"),
    ("btf_dedup_opts", "force_collisions"),
    ("btf_parse_opts", "btf_sec"),
    ("btf_dump_opts", "sz"),
    ("btf_dump_emit_type_decl_opts", "strip_mods"),
    ("btf_dump_type_data_opts", "emit_strings"),
    ("btf_permute_opts", "btf_ext"),
];

const LIBBPF_PREAMBLE: &str = r#"/* libbpf's own error numbers, above the errno range; libbpf_strerror() describes them. */
enum libbpf_errno {
	__LIBBPF_ERRNO__START = 4000,
	LIBBPF_ERRNO__LIBELF = __LIBBPF_ERRNO__START, /* libelf failed */
	LIBBPF_ERRNO__FORMAT,   /* not a valid object file */
	LIBBPF_ERRNO__KVERSION, /* kernel version section missing or malformed */
	LIBBPF_ERRNO__ENDIAN,   /* object's byte order differs from this machine's */
	LIBBPF_ERRNO__INTERNAL, /* internal error */
	LIBBPF_ERRNO__RELOC,    /* relocation failed */
	LIBBPF_ERRNO__LOAD,     /* loading failed */
	LIBBPF_ERRNO__VERIFY,   /* the kernel's verifier rejected a program */
	LIBBPF_ERRNO__PROG2BIG, /* program too large */
	LIBBPF_ERRNO__KVER,     /* kernel version mismatch */
	LIBBPF_ERRNO__PROGTYPE, /* program type not supported by the kernel */
	LIBBPF_ERRNO__WRNGPID,  /* netlink message with a wrong pid */
	LIBBPF_ERRNO__INVSEQ,   /* netlink message out of sequence */
	LIBBPF_ERRNO__NLPARSE,  /* netlink message unreadable */
	__LIBBPF_ERRNO__END,
};

/* Severity of a message passed to the print callback. */
enum libbpf_print_level {
	LIBBPF_WARN,
	LIBBPF_INFO,
	LIBBPF_DEBUG,
};

/* The print callback: called with a printf format and its arguments for each library message. */
typedef int (*libbpf_print_fn_t)(enum libbpf_print_level level, const char *, va_list ap);"#;

const LEGACY_PREAMBLE: &str = r#"/* Modes of libbpf before 1.0. They have no effect: libbtf always behaves as libbpf 1.x (NULL and
 * errno from functions returning pointers, negative errno from functions returning int). */
enum libbpf_strict_mode {
	LIBBPF_STRICT_ALL = 0xffffffff,
	LIBBPF_STRICT_NONE = 0x00,
	LIBBPF_STRICT_CLEAN_PTRS = 0x01,
	LIBBPF_STRICT_DIRECT_ERRS = 0x02,
	LIBBPF_STRICT_SEC_NAME = 0x04,
	LIBBPF_STRICT_NO_OBJECT_LIST = 0x08,
	LIBBPF_STRICT_AUTO_RLIMIT_MEMLOCK = 0x10,
	LIBBPF_STRICT_MAP_DEFINITIONS = 0x20,
	__LIBBPF_STRICT_LAST,
};

/* The old name of LIBBPF_OPTS. */
#define DECLARE_LIBBPF_OPTS LIBBPF_OPTS"#;

const BANNER: &str = "/* SPDX-License-Identifier: BSD-2-Clause OR Apache-2.0 */
/* libbtf: libbpf's BTF API in Rust. Generated by capi/header-gen with cbindgen from the entry
 * points in capi/src/ffi/ and capi/cbindgen.toml: do not edit, run `make header`. */";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("btf-header-gen: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let capi = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("no capi directory")?
        .to_path_buf();
    let mut out = capi
        .parent()
        .ok_or("no workspace directory")?
        .join("include/bpf");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = PathBuf::from(args.next().ok_or("--out needs a directory")?),
            _ => {
                return Err(format!(
                    "unknown argument {arg:?}; usage: btf-header-gen [--out DIR]"
                ));
            }
        }
    }

    let exported = map_symbols(&capi.join("libbtf.map"))?;
    let taken: BTreeSet<&str> = HEADERS
        .iter()
        .filter_map(|h| h.functions)
        .flatten()
        .copied()
        .collect();

    let mut generated = Vec::new();
    let mut declared = BTreeSet::new();
    for header in &HEADERS {
        // cbindgen can only leave functions out, so name every exported function not wanted here.
        let unwanted: Vec<String> = match header.functions {
            Some(own) => exported
                .iter()
                .filter(|s| !own.contains(&s.as_str()))
                .cloned()
                .chain(BTF_H_CONSTANTS.iter().map(|c| c.to_string()))
                .collect(),
            None => taken.iter().map(|s| s.to_string()).collect(),
        };
        let text = generate(&capi, header, unwanted)?;
        for name in declared_functions(&text) {
            if !declared.insert(name.clone()) {
                return Err(format!("{name} is declared in two headers"));
            }
        }
        generated.push((header.file, text));
    }

    let undeclared: Vec<_> = exported.difference(&declared).collect();
    let unexported: Vec<_> = declared.difference(&exported).collect();
    if !undeclared.is_empty() || !unexported.is_empty() {
        return Err(format!(
            "headers and capi/libbtf.map disagree: exported but not declared {undeclared:?}; \
             declared but not exported {unexported:?}"
        ));
    }

    fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    for (file, text) in generated {
        let path = out.join(file);
        if fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            fs::write(&path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
            println!("wrote {}", path.display());
        }
    }
    Ok(())
}

/// Runs cbindgen over btf-capi for one header.
fn generate(capi: &Path, header: &Header, unwanted: Vec<String>) -> Result<String, String> {
    let settings = capi.join("cbindgen.toml");
    let mut config = cbindgen::Config::from_file(&settings)
        .map_err(|e| format!("{}: {e}", settings.display()))?;
    config.header = Some(BANNER.to_string());
    config.include_guard = Some(header.guard.to_string());
    config.sys_includes = header.sys_includes.iter().map(|s| s.to_string()).collect();
    config.includes = header.includes.iter().map(|s| s.to_string()).collect();
    config.after_includes = Some(format!("\n{}", with_version(header.preamble)));
    config.export.exclude.extend(unwanted);

    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(capi.join("src/lib.rs"))
        .generate()
        .map_err(|e| format!("cbindgen ({}): {e}", header.file))?;
    let mut text = Vec::new();
    bindings.write(&mut text);
    let text = String::from_utf8(text).map_err(|e| format!("{}: {e}", header.file))?;
    if header.trailer.is_empty() {
        return Ok(text);
    }
    let mut last_fields = String::new();
    for (opts, field) in LAST_FIELDS {
        if text.contains(&format!("struct {opts} {{")) {
            last_fields += &format!("#define {opts}__last_field {field}\n");
        }
    }
    if !last_fields.is_empty() {
        last_fields = format!(
            "/* The last field of each options struct in this version: a caller's struct may be\n \
             * larger than the library's only if every byte past this field is zero. */\n\
             {last_fields}"
        );
    }
    let trailer = header.trailer.replace("@LAST_FIELDS@", &last_fields);
    // cbindgen's own `trailer` goes after the include guard's `#endif`; this goes before it.
    let guard_end = format!("#endif  /* {} */", header.guard);
    let at = text
        .rfind(&guard_end)
        .ok_or_else(|| format!("{}: no {guard_end:?} in cbindgen's output", header.file))?;
    Ok(format!(
        "{}{}\n\n{}",
        &text[..at],
        trailer.trim_start(),
        &text[at..]
    ))
}

/// `text` with `@MAJOR@`, `@MINOR@`, `@PATCH@` and `@VERSION@` replaced by the workspace version.
fn with_version(text: &str) -> String {
    text.replace("@MAJOR@", env!("CARGO_PKG_VERSION_MAJOR"))
        .replace("@MINOR@", env!("CARGO_PKG_VERSION_MINOR"))
        .replace("@PATCH@", env!("CARGO_PKG_VERSION_PATCH"))
        .replace("@VERSION@", env!("CARGO_PKG_VERSION"))
}

/// The global symbols of a version script (`name;` lines after `global:`, up to `local:`/`}`).
fn map_symbols(path: &Path) -> Result<BTreeSet<String>, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut symbols = BTreeSet::new();
    let mut in_global = false;
    for line in text.lines() {
        let line = line.split("/*").next().unwrap_or("").trim();
        if line == "global:" {
            in_global = true;
        } else if line == "local:" || line.starts_with('}') || line.ends_with('{') {
            in_global = false;
        } else if in_global {
            if let Some(name) = line.strip_suffix(';') {
                symbols.insert(name.trim().to_string());
            }
        }
    }
    if symbols.is_empty() {
        return Err(format!("{}: no global symbols found", path.display()));
    }
    Ok(symbols)
}

/// Names of the functions a generated header declares: the identifier before the `(` that
/// follows each `LIBBPF_API`.
fn declared_functions(text: &str) -> Vec<String> {
    text.split("LIBBPF_API")
        .skip(1)
        .filter_map(|decl| {
            let head = decl.split('(').next()?;
            let name = head
                .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()?;
            (!name.is_empty()).then(|| name.to_string())
        })
        .collect()
}
