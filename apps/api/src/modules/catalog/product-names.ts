/** A product's names and sale unit in both languages, as a raw query returns them (snake_case). */
export type ProductNamesRow = {
  name_zh: string;
  name_en: string | null;
  unit_label: string;
  unit_spec: string | null;
  unit_label_en: string | null;
  unit_spec_en: string | null;
};

/** The same as the contracts carry them: a catalogue item, a product page, a cart line, an order line's copy. */
export interface ProductNames {
  nameZh: string;
  nameEn: string | null;
  unitLabel: string;
  unitSpec: string | null;
  unitLabelEn: string | null;
  unitSpecEn: string | null;
}

export const productNames = (r: ProductNamesRow): ProductNames => ({
  nameZh: r.name_zh,
  nameEn: r.name_en,
  unitLabel: r.unit_label,
  unitSpec: r.unit_spec,
  unitLabelEn: r.unit_label_en,
  unitSpecEn: r.unit_spec_en,
});

/** Only the names, of something that carries more (a cart line and an order line copy a product's). */
export const namesOf = (p: ProductNames): ProductNames => ({
  nameZh: p.nameZh,
  nameEn: p.nameEn,
  unitLabel: p.unitLabel,
  unitSpec: p.unitSpec,
  unitLabelEn: p.unitLabelEn,
  unitSpecEn: p.unitSpecEn,
});
