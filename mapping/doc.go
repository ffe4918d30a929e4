// Package mapping turns a Numora result into a destination-neutral Plan,
// following the YAML rules users edit (mappings.yaml). It is pure: no I/O
// beyond reading the rules file.
package mapping
