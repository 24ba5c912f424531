//! The catalogue of sensitive software (rules/catalogue.toml). (Being written.)
