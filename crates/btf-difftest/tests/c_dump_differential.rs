//! The C dump (`CDump`, libbpf's `btf_dump`) against libbpf 1.7.0 itself: a whole vmlinux.h of
//! every corpus vmlinux (in both byte orders), every selected module over its base, and all 4,022 modules of 6.1.0-47,
//! dumping every own type id in order with one dumper each; and `emit_type_decl` of every type of
//! every corpus vmlinux with several option sets — identical text required.

use std::path::Path;
use std::sync::Arc;

use btf_core::{Btf, CDump};
use btf_difftest::corpus;
use btf_difftest::libbpf::{self, LibbpfBtf};
use btf_difftest::require_corpus;

/// Our dump of every id in `ids`, or the first error's errno with the text so far.
fn ours(btf: &Btf, ids: &[u32]) -> Result<Vec<u8>, (i32, Vec<u8>)> {
    let mut dump = CDump::new(btf).map_err(|e| (-e.errno(), Vec::new()))?;
    for &id in ids {
        if let Err(e) = dump.dump_type(id) {
            return Err((-e.errno(), dump.take_output()));
        }
    }
    Ok(dump.take_output())
}

/// Where two texts first differ, as a few lines of each.
/// BTF built with `btf__add_*`, read back by btf-core and by libbpf from the same bytes.
fn in_both(btf: &Btf) -> (Btf, LibbpfBtf) {
    let raw = btf.raw_data().into_owned();
    (
        Btf::from_bytes(&raw).unwrap(),
        LibbpfBtf::from_bytes(&raw).unwrap(),
    )
}

/// btf-core's typed-data options for one of libbpf's option sets (`indent_str` NULL: a tab).
fn data_options(
    indent: Option<&std::ffi::CStr>,
    level: usize,
    compact: bool,
    skip: bool,
    zeroes: bool,
    strings: bool,
) -> btf_core::DataOptions {
    btf_core::DataOptions {
        indent_str: indent.map_or(b"\t".to_vec(), |s| s.to_bytes().to_vec()),
        indent_level: level,
        compact,
        skip_names: skip,
        emit_zeroes: zeroes,
        emit_strings: strings,
    }
}

fn first_difference(a: &[u8], b: &[u8]) -> String {
    let at = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let line_start = a[..at]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |p| p + 1);
    let show = |t: &[u8]| {
        let end = (at + 200).min(t.len());
        String::from_utf8_lossy(&t[line_start.min(t.len())..end]).into_owned()
    };
    format!(
        "at byte {at} (line {}):\n--- ours\n{}\n--- libbpf\n{}",
        a[..at].iter().filter(|&&c| c == b'\n').count() + 1,
        show(a),
        show(b)
    )
}

fn compare(label: &str, ours_btf: &Btf, theirs: &LibbpfBtf, failures: &mut Vec<String>) -> usize {
    let ids: Vec<u32> = (ours_btf.start_id()..ours_btf.type_cnt()).collect();
    let (a, b) = (ours(ours_btf, &ids), theirs.dump_c(&ids));
    match (&a, &b) {
        (Ok(x), Ok(y)) if x == y => x.len(),
        (Err((ea, ta)), Err((eb, tb))) if ea == eb && ta == tb => {
            eprintln!("{label}: both fail with {ea} after {} bytes", ta.len());
            0
        }
        (Ok(x), Ok(y)) => {
            failures.push(format!("{label}: {}", first_difference(x, y)));
            0
        }
        _ => {
            failures.push(format!(
                "{label}: ours {:?}, libbpf {:?}",
                a.as_ref().map(Vec::len).map_err(|e| e.0),
                b.as_ref().map(Vec::len).map_err(|e| e.0)
            ));
            0
        }
    }
}

fn finish(what: &str, failures: &[String], compared: usize, bytes: usize) {
    eprintln!(
        "{what}: {compared} dumps compared, {bytes} bytes identical, {} differ",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {what} differ from libbpf; first:\n{}",
        failures.len(),
        failures
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

#[test]
fn small_fixture() {
    libbpf::quiet();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/small.btf");
    let ours_btf = Btf::parse_file(&path, None).unwrap();
    let theirs = LibbpfBtf::parse(&path).unwrap();
    let mut failures = Vec::new();
    let bytes = compare("small.btf", &ours_btf, &theirs, &mut failures);
    assert!(bytes > 200, "the dump is not empty");
    finish("small.btf", &failures, 1, bytes);
}

/// Structs whose bit offsets overflow a C `int` (sizes of 256 MiB and more, members past bit
/// 2^31, a member of 2 GiB): libbpf computes padding in `int`s, wrapping; so do we, and the text
/// is the same (in 64-bit arithmetic these would be millions of padding lines).
#[test]
fn padding_of_structs_past_int_offsets() {
    libbpf::quiet();
    let mut btf = Btf::new_empty();
    let int = btf.add_int("int", 4, 1).unwrap();
    let idx = btf.add_int("unsigned int", 4, 0).unwrap();
    let huge = btf.add_struct("huge", 0x2000_0010).unwrap();
    btf.add_field("a", int, 0, 0).unwrap();
    btf.add_struct("far", 0x1000_0010).unwrap();
    btf.add_field("b", int, 0x8000_0040, 0).unwrap();
    let arr = btf.add_array(idx, int, 0x2000_0001).unwrap();
    btf.add_struct("wraps", 0x8000_0010).unwrap();
    btf.add_field("arr", arr, 0, 0).unwrap();
    btf.add_field("c", int, 64, 0).unwrap();
    btf.add_field("d", int, 0xffff_ffe0, 0).unwrap();
    btf.add_union("", 0xff00_0008).unwrap();
    btf.add_field("e", arr, 0, 0).unwrap();
    let anon = btf.type_cnt() - 1;
    btf.add_struct("holds_anon", 0x1000_0000).unwrap();
    btf.add_field("f", int, 0, 0).unwrap();
    btf.add_field("u", anon, 0xf000_0000, 0).unwrap();
    assert!(huge > 0);
    let (ours_btf, theirs) = in_both(&btf);
    let mut failures = Vec::new();
    let bytes = compare("int offsets", &ours_btf, &theirs, &mut failures);
    finish("int offsets", &failures, 1, bytes);
    assert!((100..10_000).contains(&bytes), "{bytes} bytes of text");
}

#[test]
fn vmlinux() {
    let _dir = require_corpus!("c_dump_differential::vmlinux");
    libbpf::quiet();
    let mut failures = Vec::new();
    let mut bytes = 0;
    let files = corpus::vmlinux_files();
    for path in &files {
        let ours_btf = Btf::parse_file(path, None).unwrap();
        let theirs = LibbpfBtf::parse(path).unwrap();
        bytes += compare(
            &path.display().to_string(),
            &ours_btf,
            &theirs,
            &mut failures,
        );
    }
    finish("vmlinux", &failures, files.len(), bytes);
}

/// Every corpus vmlinux in the other byte order (swapped by btf-core's writer, read by both
/// libraries): the same vmlinux.h as libbpf's.
#[test]
fn vmlinux_other_byte_order() {
    let _dir = require_corpus!("c_dump_differential::vmlinux_other_byte_order");
    libbpf::quiet();
    let other = match btf_core::Endianness::native() {
        btf_core::Endianness::Little => btf_core::Endianness::Big,
        btf_core::Endianness::Big => btf_core::Endianness::Little,
    };
    let mut failures = Vec::new();
    let mut bytes = 0;
    let files = corpus::vmlinux_files();
    for path in &files {
        let swapped = Btf::parse_file(path, None)
            .unwrap()
            .raw_data_in(other)
            .into_owned();
        let ours_btf = Btf::from_bytes(&swapped).unwrap();
        assert_eq!(ours_btf.endianness(), other);
        let theirs = LibbpfBtf::from_bytes(&swapped).unwrap();
        bytes += compare(
            &format!("{} ({other:?})", path.display()),
            &ours_btf,
            &theirs,
            &mut failures,
        );
    }
    finish(
        "vmlinux in the other byte order",
        &failures,
        files.len(),
        bytes,
    );
}

#[test]
fn selected_modules() {
    let _dir = require_corpus!("c_dump_differential::selected_modules");
    libbpf::quiet();
    let mut failures = Vec::new();
    let (mut bytes, mut compared) = (0, 0);
    for path in corpus::vmlinux_files() {
        let ver = corpus::version_of(&path).unwrap_or_default();
        let ours_base = Arc::new(Btf::parse_file(&path, None).unwrap());
        let their_base = Arc::new(LibbpfBtf::parse(&path).unwrap());
        for module in corpus::selected_modules(&ver) {
            let ours_btf = Btf::parse_file(&module, Some(Arc::clone(&ours_base))).unwrap();
            let theirs = LibbpfBtf::parse_split(&module, &their_base).unwrap();
            bytes += compare(
                &module.display().to_string(),
                &ours_btf,
                &theirs,
                &mut failures,
            );
            compared += 1;
        }
    }
    finish("selected modules", &failures, compared, bytes);
}

#[test]
fn modules_all_6_1_0_47() {
    let _dir = require_corpus!("c_dump_differential::modules_all_6_1_0_47");
    libbpf::quiet();
    let base_path = corpus::vmlinux_file("6.1.0-47").expect("vmlinux 6.1.0-47");
    let ours_base = Arc::new(Btf::parse_file(&base_path, None).unwrap());
    let their_base = Arc::new(LibbpfBtf::parse(&base_path).unwrap());
    let modules = corpus::modules_all("6.1.0-47").expect("modules-all archive");
    assert_eq!(modules.len(), 4022);
    let mut failures = Vec::new();
    let mut bytes = 0;
    for (name, data) in &modules {
        let ours_btf = Btf::from_bytes_split(data, Arc::clone(&ours_base)).unwrap();
        let theirs = LibbpfBtf::from_bytes_split(data, &their_base).unwrap();
        bytes += compare(name, &ours_btf, &theirs, &mut failures);
    }
    finish("modules-all/6.1.0-47", &failures, modules.len(), bytes);
}

/// `emit_type_decl` of every id of every vmlinux (each kind, type tags included in 6.18.44), with
/// one dumper per option set: no name, a field name at indent 2, and modifiers stripped.
#[test]
fn emit_type_decl_every_type() {
    let _dir = require_corpus!("c_dump_differential::emit_type_decl_every_type");
    libbpf::quiet();
    let option_sets: [(&std::ffi::CStr, usize, bool); 3] =
        [(c"", 0, false), (c"field", 2, false), (c"f", 1, true)];
    let mut failures = Vec::new();
    let (mut compared, mut bytes) = (0, 0);
    for path in corpus::vmlinux_files() {
        let ours_btf = Btf::parse_file(&path, None).unwrap();
        let theirs = LibbpfBtf::parse(&path).unwrap();
        let ids: Vec<u32> = (1..ours_btf.type_cnt()).collect();
        for (name, level, strip) in option_sets {
            let mut dump = CDump::new(&ours_btf).unwrap();
            let mut text = Vec::new();
            for &id in &ids {
                dump.emit_type_decl(id, name.to_bytes(), level, strip)
                    .unwrap();
                text.extend(dump.take_output());
                text.push(b'\n');
            }
            let label = format!("{} {name:?}/{level}/{strip}", path.display());
            match theirs.emit_type_decls(&ids, name, level as i32, strip) {
                Ok(expected) if expected == text => bytes += text.len(),
                Ok(expected) => {
                    failures.push(format!("{label}: {}", first_difference(&text, &expected)))
                }
                Err((rc, _)) => failures.push(format!("{label}: libbpf failed with {rc}")),
            }
            compared += 1;
        }
    }
    finish("emit_type_decl", &failures, compared, bytes);
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// `dump_type_data` of every type of two vmlinux up to 4 KiB (about 220,000 cases), with data that is
/// all zeros, sparse (a few random bytes), or random, sometimes shorter than the type, at every
/// alignment, under four option sets — text and return values identical to libbpf's.
#[test]
fn dump_type_data_every_type() {
    let _dir = require_corpus!("c_dump_differential::dump_type_data_every_type");
    libbpf::quiet();
    /// Bytes of data per case at most (larger types get a short buffer).
    const MAX_DATA: usize = 512;
    /// indent string, indent level, compact, skip names, emit zeroes, emit strings.
    type OptionSet = (
        Option<&'static std::ffi::CStr>,
        usize,
        bool,
        bool,
        bool,
        bool,
    );
    let option_sets: [OptionSet; 4] = [
        (None, 0, false, false, false, false),
        (None, 0, true, true, false, false),
        (Some(c"  "), 1, false, false, true, false),
        (Some(c"\t"), 0, true, false, false, true),
    ];
    let (mut cases_run, mut bytes, mut failures) = (0usize, 0usize, Vec::new());
    for ver in ["6.1.0-47", "6.18.44"] {
        let Some(path) = corpus::vmlinux_file(ver) else {
            continue;
        };
        let ours_btf = Btf::parse_file(&path, None).unwrap();
        let theirs = LibbpfBtf::parse(&path).unwrap();
        let mut rng = Rng(0x6274_665f_6461_7461 ^ u64::from(ours_btf.type_cnt()));
        let mut blob: Vec<u8> = Vec::new();
        let mut cases: Vec<(u32, std::ops::Range<usize>)> = Vec::new();
        for id in 1..ours_btf.type_cnt() {
            // Types larger than this are arrays or structs of thousands of elements, whose every
            // element libbpf visits (and prints a piece of) even past the data: left out to keep
            // the run short; the types they are made of are all here.
            let full = ours_btf.resolve_size(id).map_or(16, |s| s as usize);
            if full > 8 * MAX_DATA {
                continue;
            }
            let size = full.min(MAX_DATA);
            let len = if rng.below(8) == 0 {
                rng.below(size as u64 + 1) as usize
            } else {
                size
            };
            // Start at a random alignment; zeros after the data (libbpf reads past it).
            let start = blob.len() + rng.below(8) as usize;
            blob.resize(start, 0);
            let pattern = rng.below(3);
            for _ in 0..len {
                let b = match pattern {
                    0 => 0,
                    1 if rng.below(16) != 0 => 0,
                    _ => rng.next() as u8,
                };
                blob.push(b);
            }
            // Zeros up to the type's end and beyond: what libbpf reads past the data is zero.
            blob.resize(start + full.max(len) + 64, 0);
            cases.push((id, start..start + len));
        }
        for (set, &(indent, level, compact, skip, zeroes, strings)) in
            option_sets.iter().enumerate()
        {
            let (expected, rcs) = theirs.dump_type_data(
                &cases,
                &blob,
                indent,
                level as i32,
                compact,
                skip,
                zeroes,
                strings,
            );
            let opts = data_options(indent, level, compact, skip, zeroes, strings);
            let mut dump = CDump::new(&ours_btf).unwrap();
            let mut text = Vec::new();
            for (i, (id, range)) in cases.iter().enumerate() {
                let rc = match dump.dump_type_data(*id, &blob[range.clone()], &opts) {
                    Ok(n) => n as i32,
                    Err(e) => -e.errno(),
                };
                text.extend(dump.take_output());
                text.push(b'\n');
                if rc != rcs[i] && failures.len() < 20 {
                    failures.push(format!(
                        "{ver} set {set} type [{id}] ({} bytes): ours {rc}, libbpf {}",
                        range.len(),
                        rcs[i]
                    ));
                }
            }
            if text != expected {
                failures.push(format!(
                    "{ver} set {set}: {}",
                    first_difference(&text, &expected)
                ));
            } else {
                bytes += text.len();
            }
            cases_run += cases.len();
        }
    }
    finish("dump_type_data", &failures, cases_run, bytes);
}

/// Typed data of long arrays over a few bytes: elements past the data read as zeros. Where they
/// write nothing btf-core ends the walk at the first of them, where libbpf walks all 2^20; where
/// they write something (arrays of arrays, structs, zeros shown) both walk on. Same text and return
/// values under four option sets.
#[test]
fn typed_data_of_arrays_past_their_data() {
    libbpf::quiet();
    let mut btf = Btf::new_empty();
    let int = btf.add_int("int", 4, 1).unwrap();
    let chr = btf.add_int("char", 1, 1).unwrap();
    let pair = btf.add_struct("pair", 8).unwrap();
    btf.add_field("a", int, 0, 0).unwrap();
    btf.add_field("b", int, 32, 0).unwrap();
    let name = btf.add_array(int, chr, 4).unwrap();
    let n = 1 << 20;
    let mut arrays = vec![
        btf.add_array(int, int, n).unwrap(),
        btf.add_array(int, chr, n).unwrap(),
        btf.add_array(int, pair, 64).unwrap(),
        btf.add_array(int, name, n).unwrap(),
    ];
    let inner = btf.add_array(int, int, 3).unwrap();
    arrays.push(btf.add_array(int, inner, 1 << 12).unwrap());
    let holder = btf.add_struct("holder", 4 + 4 * n).unwrap();
    btf.add_field("x", int, 0, 0).unwrap();
    btf.add_field("tail", arrays[0], 32, 0).unwrap();
    arrays.push(holder);
    let (ours_btf, theirs) = in_both(&btf);
    // Each case: a few bytes (all zero, some zero, none zero), then zeros far enough for libbpf's
    // reads of check-zero past the data (LIBBPF-7).
    let mut blob = Vec::new();
    let mut cases = Vec::new();
    for &id in &arrays {
        for data in [
            &[0u8; 6][..],
            &[7, 0, 0, 0, 0, 0, 0x41, 0x42, 0, 9],
            &[0x61; 12],
        ] {
            let start = blob.len().next_multiple_of(8);
            blob.resize(start, 0);
            blob.extend_from_slice(data);
            let full = ours_btf.resolve_size(id).unwrap() as usize;
            blob.resize(start + full.max(data.len()) + 64, 0);
            cases.push((id, start..start + data.len()));
        }
    }
    let mut compared = 0;
    for (indent, compact, skip, zeroes, strings) in [
        (None, false, false, false, false),
        (None, true, true, false, false),
        (Some(c"  "), false, false, true, false),
        (Some(c"\t"), true, false, false, true),
    ] {
        let (expected, rcs) =
            theirs.dump_type_data(&cases, &blob, indent, 0, compact, skip, zeroes, strings);
        let opts = data_options(indent, 0, compact, skip, zeroes, strings);
        let mut dump = CDump::new(&ours_btf).unwrap();
        dump.set_output_limit(1 << 30);
        let mut text = Vec::new();
        let mut ours_rcs = Vec::new();
        for (id, range) in &cases {
            ours_rcs.push(
                match dump.dump_type_data(*id, &blob[range.clone()], &opts) {
                    Ok(n) => n as i32,
                    Err(e) => -e.errno(),
                },
            );
            text.extend(dump.take_output());
            text.push(b'\n');
        }
        assert_eq!(ours_rcs, rcs, "return values, emit_zeroes {zeroes}");
        assert!(
            text == expected,
            "text, emit_zeroes {zeroes}: {}",
            first_difference(&text, &expected)
        );
        compared += text.len();
    }
    assert!(compared > 1000, "{compared} bytes compared");
}
