package results

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// ArmFiles is one arm of a comparison and the result files grouped into
// it, as Arms resolves them.
type ArmFiles struct {
	// Label names the arm: a label=path label, a tee value ("none",
	// "tdx", "tdx#2" for a second testbed), or with SplitFiles a file's
	// name.
	Label string
	// Files are the arm's result files, in the order they were given.
	Files []string
}

// PoolKey reports whether a manifest key's values may differ between files
// pooled into one arm without a warning: the grouping keys and the TEE's
// own keys (its platform, TDX/SEV-SNP identity, GPU CC mode, evidence).
func PoolKey(key string) bool {
	switch key {
	case "tee", "pkg", "goos", "goarch", "platform":
		return true
	}
	return TEEIdentityKey(key)
}

// Arms reads the inputs and returns the arms they are grouped into, the
// one rule for every tool that compares result files (the report,
// scripts/compare.sh and scripts/bench.sh through `report -arms`): a
// label=path argument names its file's arm; other files are grouped by
// their `tee:` value, and files of one tee value from different testbeds
// (TestbedKeys) are separate arms, never pooled. With splitFiles, when no
// input is labelled and every file falls into one arm, each file is an
// arm of its own, labelled by its name without .txt (its path when two
// names coincide): two runs of one environment are compared file against
// file rather than pooled.
//
// Labels hold no '/' or '=' (each is replaced by '_'), so that label=path
// names the same arm again as an argument.
//
// The warnings name the files of one testbed that were split off and,
// for files pooled into one arm, every other manifest key whose value
// differs between them (part of any difference may come from it).
func Arms(inputs []Input, splitFiles bool) ([]ArmFiles, []string, error) {
	d, err := Read(inputs)
	if err != nil {
		return nil, nil, err
	}
	labelled := slices.ContainsFunc(inputs, func(in Input) bool { return in.Label != "" })
	if splitFiles && !labelled && len(d.Arms) == 1 && len(d.Arms[0].Files) > 1 {
		files := d.Arms[0].Files
		names := make([]string, len(files))
		for i, f := range files {
			names[i] = strings.TrimSuffix(filepath.Base(f), ".txt")
		}
		arms := make([]ArmFiles, len(files))
		for i, f := range files {
			l := names[i]
			if n := len(slices.DeleteFunc(slices.Clone(names), func(s string) bool { return s != l })); n > 1 {
				l = fmt.Sprintf("%s#%d", l, i+1)
			}
			arms[i] = ArmFiles{Label: armLabel(l), Files: []string{f}}
		}
		return arms, d.Warnings, nil
	}
	warn := slices.Clone(d.Warnings)
	arms := make([]ArmFiles, len(d.Arms))
	for i, a := range d.Arms {
		arms[i] = ArmFiles{Label: armLabel(a.Label), Files: a.Files}
		if len(a.Files) < 2 {
			continue
		}
		for _, key := range a.EnvKeys {
			if PoolKey(key) || len(a.Env[key]) < 2 {
				continue
			}
			var desc []string
			for _, f := range a.Files {
				desc = append(desc, fmt.Sprintf("%s: %s", f, d.fileEnv[f][key]))
			}
			warn = append(warn, fmt.Sprintf("files pooled into arm %s differ in %s (%s); part of any difference may come from it",
				a.Label, key, strings.Join(desc, "; ")))
		}
	}
	return arms, warn, nil
}

// ReadArms reads the inputs grouped by the one rule of Arms (with
// splitFiles): unlabelled files that would all fall into one arm are an arm
// each, as `report -arms` and scripts/compare.sh see them. To pool such
// files into one arm, label them alike (base=a.txt base=b.txt).
func ReadArms(inputs []Input) (*Dataset, error) {
	labelled := slices.ContainsFunc(inputs, func(in Input) bool { return in.Label != "" })
	d, err := Read(inputs)
	if err != nil || labelled || len(d.Arms) != 1 || len(d.Arms[0].Files) < 2 {
		return d, err
	}
	arms, _, err := Arms(inputs, true)
	if err != nil {
		return nil, err
	}
	var split []Input
	for _, a := range arms {
		for _, f := range a.Files {
			split = append(split, Input{Label: a.Label, Path: f})
		}
	}
	return Read(split)
}

// armLabel returns l usable as the label of a label=path argument.
func armLabel(l string) string { return strings.NewReplacer("/", "_", "=", "_").Replace(l) }
