// Package mapping turns a Numora result into a destination-neutral Plan,
// following the YAML rules users edit (mappings.yaml). It is pure: no I/O
// beyond reading the rules file.
//
// Load (or Parse) compiles the rules once — sources, conversions,
// expressions, transforms, references — or returns a *LoadError with every
// problem at its file:line:col. Render then maps one result at a time with
// no parsing: it returns a Plan, a *SkipError (the document is deliberately
// not written) or a *RenderError listing every problem with a stable error
// code. docs/mapping.md describes the rules language.
package mapping
