//! Compose variable interpolation. (Being written: see the helper's brief.)
