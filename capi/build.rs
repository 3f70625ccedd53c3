//! Compiles the one piece of C the library needs: calling the user's `va_list` print callback.

fn main() {
    println!("cargo:rerun-if-changed=src/print_trampoline.c");
    cc::Build::new()
        .file("src/print_trampoline.c")
        .warnings(true)
        .extra_warnings(true)
        .compile("btf_print_trampoline");
}
