//! `BpfObject::relocate_core` verdicts — which failed CO-RE relocations a guard makes harmless —
//! judged by the running kernel's verifier: each program of each test object is loaded by libbpf
//! 1.7.0 with a corpus vmlinux as its CO-RE target (`btf_custom_path`), alone, and must load
//! exactly when we predict no unguarded failure for it.

use std::collections::BTreeMap;
use std::ffi::{CStr, CString};
use std::path::Path;

use btf_core::Btf;
use btf_core::co_re::{ResolveOptions, Targets};
use btf_core::object::{BpfObject, Verdict};
use btf_difftest::{bpfobj, corpus};

/// Per program: the verdicts of its relocations as (relo #, kind, verdict).
type Prediction = BTreeMap<String, Vec<(usize, u32, Verdict)>>;

fn predict(object: &BpfObject, target: &Btf) -> Prediction {
    let (report, verdicts) =
        object.relocate_core(&Targets::custom(target), &ResolveOptions::default());
    assert!(
        report.error.is_none(),
        "relocation error: {:?}",
        report.error
    );
    let mut by_prog = Prediction::new();
    for (outcome, verdict) in report.outcomes.iter().zip(verdicts) {
        let prog = outcome.prog_name.clone().unwrap_or_default();
        let kind = outcome
            .resolution
            .as_ref()
            .map_or(u32::MAX, |r| r.relo.kind);
        by_prog
            .entry(prog)
            .or_default()
            .push((outcome.relo_idx, kind, verdict));
    }
    by_prog
}

/// Per program: how many relocations end guarded, unguarded and in error.
fn failures(prediction: &Prediction) -> BTreeMap<&str, [usize; 3]> {
    prediction
        .iter()
        .map(|(prog, verdicts)| {
            let count = |v: Verdict| verdicts.iter().filter(|r| r.2 == v).count();
            (
                prog.as_str(),
                [
                    count(Verdict::Guarded),
                    count(Verdict::Unguarded),
                    count(Verdict::Error),
                ],
            )
        })
        .collect()
}

#[test]
fn big_endian_objects_get_the_verdicts_of_their_little_endian_twins() {
    let Some(objects) = bpfobj::objects_or_skip("big_endian_verdicts") else {
        return;
    };
    let mut compared = 0;
    for vmlinux in corpus::vmlinux_files() {
        let target = Btf::parse_file(&vmlinux, None).expect("corpus vmlinux parses");
        for le in objects.iter().filter(|o| !o.big_endian) {
            let be = objects
                .iter()
                .find(|o| o.big_endian && o.source == le.source)
                .expect("twin");
            let le_obj = BpfObject::parse(&le.bytes()).expect("parses");
            let be_obj = BpfObject::parse(&be.bytes()).expect("parses");
            // The code differs (bitfield reads compile differently for big-endian, with other
            // relocations), so compare what each program faces: its failures, guarded or not.
            assert_eq!(
                failures(&predict(&be_obj, &target)),
                failures(&predict(&le_obj, &target)),
                "{} on {}",
                be.name,
                vmlinux.display()
            );
            compared += 1;
        }
    }
    assert!(compared > 0);
}

/// Loads only program `prog` of the object at `path` into the running kernel, with libbpf 1.7.0
/// relocating CO-RE against `target`: `Ok` when the verifier accepts it, else libbpf's error.
fn kernel_loads(path: &Path, target: &Path, prog: &str) -> Result<(), i32> {
    let path = CString::new(path.as_os_str().as_encoded_bytes()).expect("path");
    let target = CString::new(target.as_os_str().as_encoded_bytes()).expect("path");
    let opts = libbpf_sys::bpf_object_open_opts {
        sz: std::mem::size_of::<libbpf_sys::bpf_object_open_opts>() as _,
        btf_custom_path: target.as_ptr(),
        ..Default::default()
    };
    // SAFETY: valid C strings and options that outlive the calls; the object is closed before
    // returning and no pointer into it escapes.
    unsafe {
        let obj = libbpf_sys::bpf_object__open_file(path.as_ptr(), &opts);
        assert!(!obj.is_null(), "libbpf cannot open the object");
        let mut found = false;
        let mut p = libbpf_sys::bpf_object__next_program(obj, std::ptr::null_mut());
        while !p.is_null() {
            let name = CStr::from_ptr(libbpf_sys::bpf_program__name(p));
            let wanted = name.to_bytes() == prog.as_bytes();
            found |= wanted;
            libbpf_sys::bpf_program__set_autoload(p, wanted);
            p = libbpf_sys::bpf_object__next_program(obj, p);
        }
        assert!(found, "no program {prog}");
        let err = libbpf_sys::bpf_object__load(obj);
        libbpf_sys::bpf_object__close(obj);
        if err == 0 { Ok(()) } else { Err(err) }
    }
}

/// Whether this process may load BPF programs at all: `r0 = 0; exit` as a socket filter.
fn can_load_bpf() -> Result<(), i32> {
    let insns = [
        libbpf_sys::bpf_insn {
            code: 0xb7, // mov64 r0, 0
            ..Default::default()
        },
        libbpf_sys::bpf_insn {
            code: 0x95, // exit
            ..Default::default()
        },
    ];
    let license = c"GPL";
    // SAFETY: two valid instructions and a C string that outlive the call; the returned fd is
    // closed at once.
    let fd = unsafe {
        libbpf_sys::bpf_prog_load(
            libbpf_sys::BPF_PROG_TYPE_SOCKET_FILTER as _,
            std::ptr::null(),
            license.as_ptr(),
            insns.as_ptr(),
            insns.len() as _,
            std::ptr::null_mut(),
        )
    };
    if fd < 0 {
        return Err(fd);
    }
    // SAFETY: `fd` is ours.
    unsafe { libc::close(fd) };
    Ok(())
}

#[test]
fn the_kernel_verifier_agrees_with_every_verdict() {
    let Some(objects) = bpfobj::objects_or_skip("verifier_agrees") else {
        return;
    };
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("SKIP verifier_agrees: loading BPF programs needs root");
        return;
    }
    if let Err(e) = can_load_bpf() {
        eprintln!("SKIP verifier_agrees: the kernel refuses even a trivial BPF program ({e})");
        return;
    }
    // libbpf prints the verifier's log of every rejected program; the verdicts are what counts.
    // SAFETY: a NULL print callback silences libbpf.
    unsafe { libbpf_sys::libbpf_set_print(None) };
    let mut loads = 0;
    let (mut guarded, mut unguarded) = (0, 0);
    for vmlinux in corpus::vmlinux_files() {
        let target = Btf::parse_file(&vmlinux, None).expect("corpus vmlinux parses");
        for o in objects.iter().filter(|o| !o.big_endian && o.loadable()) {
            let object = BpfObject::parse(&o.bytes()).expect("parses");
            let prediction = predict(&object, &target);
            // The test programs' subprograms (.text) resolve everywhere, so a program's fate is
            // decided by its own relocations; make sure that stays true.
            for f in object
                .functions
                .iter()
                .filter(|f| object.sections[f.section].name == ".text")
            {
                let fails = prediction
                    .get(&f.name)
                    .is_some_and(|v| v.iter().any(|r| r.2.is_failure()));
                assert!(
                    !fails,
                    "subprogram {} fails on {}",
                    f.name,
                    vmlinux.display()
                );
            }
            for f in object
                .functions
                .iter()
                .filter(|f| object.sections[f.section].name != ".text")
            {
                let verdicts = prediction.get(&f.name).cloned().unwrap_or_default();
                guarded += verdicts.iter().filter(|r| r.2 == Verdict::Guarded).count();
                unguarded += verdicts
                    .iter()
                    .filter(|r| r.2 == Verdict::Unguarded)
                    .count();
                let predicted_ok = !verdicts.iter().any(|r| r.2.is_failure());
                let loaded = kernel_loads(&o.path, &vmlinux, &f.name);
                assert_eq!(
                    loaded.is_ok(),
                    predicted_ok,
                    "{} program {} on {}: kernel {loaded:?}, predicted {verdicts:?}",
                    o.name,
                    f.name,
                    vmlinux.display()
                );
                loads += 1;
            }
        }
    }
    eprintln!("{loads} program loads agree ({guarded} guarded, {unguarded} unguarded failures)");
    assert!(
        guarded > 0 && unguarded > 0,
        "the test objects exercise both kinds of failure"
    );
}
