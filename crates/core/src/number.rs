//! Exact decimals written as plain TOML numbers: `minimum = 90`, `late_fraction = 0.5`.
//!
//! rust_decimal's own serde form is a string (`"90"`), which reads badly in a plan. We write
//! whole numbers as integers and others as floats in their shortest form, and read integers,
//! floats (through their shortest decimal text, so 0.1 stays exactly 0.1) and strings.

use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};

pub fn serialize<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    let normal = value.normalize();
    if normal.scale() == 0
        && let Some(int) = normal.to_i64()
    {
        return s.serialize_i64(int);
    }
    match normal.to_f64() {
        // Only when the float reads back as the same decimal; otherwise keep it exact as text.
        Some(f) if Decimal::from_str(&f.to_string()).ok() == Some(normal) => s.serialize_f64(f),
        _ => s.serialize_str(&normal.to_string()),
    }
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    d.deserialize_any(DecimalVisitor)
}

struct DecimalVisitor;

impl Visitor<'_> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a number such as 90 or 0.5")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        if !v.is_finite() {
            return Err(E::custom(format!("{v} is not a number we can use")));
        }
        Decimal::from_str(&v.to_string()).map_err(|_| E::custom(format!("{v} is out of range")))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        Decimal::from_str(v.trim()).map_err(|_| E::custom(format!("\"{v}\" is not a number")))
    }
}

/// The same for `Option<Decimal>` fields.
pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(value: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => super::serialize(v, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        super::deserialize(d).map(Some)
    }
}
