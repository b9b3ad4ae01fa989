package main

import (
	"bytes"
	_ "embed"
	"fmt"
	"maps"
	"slices"

	"go.yaml.in/yaml/v3"
)

//go:embed prices.yaml
var pricesYAML []byte

// pricesFile names the table in messages.
const pricesFile = "tools/cost/prices.yaml"

// Prices is the price table: list prices per key and region, and the usage assumed.
type Prices struct {
	Taken         string             `yaml:"taken"`
	Currency      string             `yaml:"currency"`
	HoursPerMonth float64            `yaml:"hoursPerMonth"`
	Assumptions   map[string]float64 `yaml:"assumptions"`
	Rows          map[string]Row     `yaml:"prices"`
}

// Row is one price: its unit and the price per region.
type Row struct {
	Unit    string             `yaml:"unit"`
	Regions map[string]float64 `yaml:",inline"`
}

func parsePrices(b []byte) (*Prices, error) {
	var p Prices
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%s: %w", pricesFile, err)
	}
	if p.Taken == "" || p.Currency == "" || p.HoursPerMonth <= 0 {
		return nil, fmt.Errorf("%s: taken, currency and hoursPerMonth (> 0) are required", pricesFile)
	}
	for _, k := range slices.Sorted(maps.Keys(p.Rows)) {
		if p.Rows[k].Unit == "" || len(p.Rows[k].Regions) == 0 {
			return nil, fmt.Errorf("%s: prices.%s: needs a unit and a price for at least one region", pricesFile, k)
		}
	}
	return &p, nil
}

// price returns the price of key in region, or an error naming the missing row or column.
func (p *Prices) price(key, region string) (float64, error) {
	row, ok := p.Rows[key]
	if !ok {
		return 0, fmt.Errorf("%s: no row prices.%s (needed for %s); add it", pricesFile, key, region)
	}
	v, ok := row.Regions[region]
	if !ok {
		return 0, fmt.Errorf("%s: prices.%s has no price for %s (has %v); add it", pricesFile, key, region, slices.Sorted(maps.Keys(row.Regions)))
	}
	return v, nil
}

// assumed returns an assumption by name; a missing one is a programming error caught by tests.
func (p *Prices) assumed(name string) (float64, error) {
	v, ok := p.Assumptions[name]
	if !ok {
		return 0, fmt.Errorf("%s: no assumptions.%s; add it", pricesFile, name)
	}
	return v, nil
}
