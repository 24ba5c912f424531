//! Image reference normalisation. (Being written.)
