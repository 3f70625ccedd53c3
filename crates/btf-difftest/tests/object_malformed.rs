//! Hostile BPF objects: the test objects truncated at every length and corrupted word by word in
//! `.BTF.ext` and instruction by instruction in their code, then read (`BpfObject::parse`),
//! relocated against a corpus kernel with verdicts (`relocate_core`, which walks the patched code)
//! and minimized. Each step may refuse the input, but never panics, hangs or loops.

use std::time::Instant;

use btf_core::Btf;
use btf_core::co_re::{ResolveOptions, Targets};
use btf_core::object::{BpfObject, INSN_SIZE};
use btf_difftest::{bpfobj, corpus};

/// Runs every object-level operation on `bytes`; returns whether it parsed.
fn exercise(bytes: &[u8], target: &Btf) -> bool {
    let Ok(object) = BpfObject::parse(bytes) else {
        return false;
    };
    let (report, verdicts) =
        object.relocate_core(&Targets::custom(target), &ResolveOptions::default());
    assert_eq!(report.outcomes.len(), verdicts.len());
    let _ = btf_core::minimize::minimize(target, &[&object]);
    true
}

/// Where `part` lies inside `whole` (both from the same buffer).
fn offset_in(whole: &[u8], part: &[u8]) -> usize {
    part.as_ptr() as usize - whole.as_ptr() as usize
}

#[test]
fn hostile_objects_are_refused_or_handled() {
    let Some(objects) = bpfobj::objects_or_skip("hostile_objects_are_refused_or_handled") else {
        return;
    };
    let vmlinux = corpus::vmlinux_file("6.1.0-47").expect("corpus vmlinux");
    let full_target = Btf::parse_file(&vmlinux, None).expect("parses");
    let started = Instant::now();
    let (mut runs, mut parsed) = (0usize, 0usize);
    let (mut truncations, mut truncated_parsed) = (0usize, 0usize);
    for object in &objects {
        let bytes = object.bytes();
        // Relocating against the kernel types the object needs (its minimized BTF) keeps each
        // run fast while reaching the same code: candidates, specs, values, patches, the walk.
        let whole = BpfObject::parse(&bytes).expect("test object parses");
        let target = btf_core::minimize::minimize(&full_target, &[&whole]).expect("minimizes");
        assert!(exercise(&bytes, &target), "{} parses", object.name);

        // Every truncation (the section headers sit at the end, so most fail early).
        for len in 0..bytes.len() {
            truncated_parsed += usize::from(exercise(&bytes[..len], &target));
            truncations += 1;
        }

        // Each 32-bit word of .BTF.ext set to values that stress bounds and indexes.
        let ext = btf_core::elf::elf_sections(&bytes)
            .expect("ELF")
            .ext
            .expect(".BTF.ext");
        let ext_start = offset_in(&bytes, ext);
        for word in (ext_start..ext_start + ext.len() - 3).step_by(4) {
            let old = u32::from_ne_bytes(bytes[word..word + 4].try_into().expect("4 bytes"));
            for value in [
                0,
                1,
                7,
                0xffff,
                0x8000_0000,
                u32::MAX,
                old.wrapping_add(1),
                old.swap_bytes(),
            ] {
                let mut bad = bytes.clone();
                bad[word..word + 4].copy_from_slice(&value.to_ne_bytes());
                parsed += usize::from(exercise(&bad, &target));
                runs += 1;
            }
        }

        // Each instruction of each code section turned into a jump far away, a jump to itself,
        // a poisoned call, a 64-bit immediate load missing its second half, and garbage.
        let parsed_ok = BpfObject::parse(&bytes).expect("parses");
        for section in &parsed_ok.sections {
            let start = section.file_offset as usize;
            assert_eq!(&bytes[start..start + section.bytes.len()], section.bytes);
            if section.bytes.is_empty() {
                continue;
            }
            for insn in 0..section.bytes.len() / INSN_SIZE {
                let at = start + insn * INSN_SIZE;
                for pattern in [
                    [0x05, 0x00, 0x00, 0x80, 0, 0, 0, 0],       // ja -32768
                    [0x05, 0x00, 0xff, 0xff, 0, 0, 0, 0],       // ja -1: a loop
                    [0x85, 0x00, 0, 0, 0x10, 0x23, 0xad, 0x0b], // call 0xbad2310
                    [0x18, 0x01, 0, 0, 1, 0, 0, 0],             // ld_imm64 without its pair
                    [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                ] {
                    let mut bad = bytes.clone();
                    bad[at..at + INSN_SIZE].copy_from_slice(&pattern);
                    parsed += usize::from(exercise(&bad, &target));
                    runs += 1;
                }
            }
        }
    }
    eprintln!(
        "{truncations} truncated objects ({truncated_parsed} parsed), {runs} corrupted ones \
         ({parsed} parsed and relocated) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        parsed > runs / 10,
        "the corruptions must mostly still parse to reach the later steps"
    );
}
