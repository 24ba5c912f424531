#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    composeguard_fuzz::targets::report_long_lines(data);
});
