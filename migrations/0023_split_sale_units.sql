-- Hand-written: split the old one-field sale units ("500 g 瓶", "5 kg 箱", "1000 支 包", "500g瓶")
-- into the unit's name ("瓶") and its specification ("500 g/瓶"), in products and in the order
-- lines that snapshot them, so that a quantity reads "10 瓶" and never "10500 g 瓶". A label that
-- is already a bare name ("只", "箱") is left as it is. Pattern: an amount, a measure word, then
-- the unit name, with or without spaces between the last two.
UPDATE products SET
  unit_spec = regexp_replace(unit_label, '^\s*(约?\s*[0-9][0-9.]*\s*[^\s0-9]*?)\s*([^\s0-9]+)\s*$', '\1/\2'),
  unit_label = regexp_replace(unit_label, '^\s*(约?\s*[0-9][0-9.]*\s*[^\s0-9]*?)\s*([^\s0-9]+)\s*$', '\2')
WHERE unit_spec IS NULL AND unit_label ~ '^\s*约?\s*[0-9][0-9.]*\s*\S+\s+\S+\s*$';--> statement-breakpoint
UPDATE products SET
  unit_spec = regexp_replace(unit_label, '^\s*(约?\s*[0-9][0-9.]*\s*(?:kg|g|ml|mL|L|斤|公斤|千克|克|毫升|升))\s*(\S+)\s*$', '\1/\2'),
  unit_label = regexp_replace(unit_label, '^\s*(约?\s*[0-9][0-9.]*\s*(?:kg|g|ml|mL|L|斤|公斤|千克|克|毫升|升))\s*(\S+)\s*$', '\2')
WHERE unit_spec IS NULL AND unit_label ~ '^\s*约?\s*[0-9][0-9.]*\s*(kg|g|ml|mL|L|斤|公斤|千克|克|毫升|升)\s*\S+\s*$';--> statement-breakpoint
UPDATE order_lines SET
  unit_spec = regexp_replace(unit_label, '^\s*(约?\s*[0-9][0-9.]*\s*[^\s0-9]*?)\s*([^\s0-9]+)\s*$', '\1/\2'),
  unit_label = regexp_replace(unit_label, '^\s*(约?\s*[0-9][0-9.]*\s*[^\s0-9]*?)\s*([^\s0-9]+)\s*$', '\2')
WHERE unit_spec IS NULL AND unit_label ~ '^\s*约?\s*[0-9][0-9.]*\s*\S+\s+\S+\s*$';--> statement-breakpoint
UPDATE order_lines SET
  unit_spec = regexp_replace(unit_label, '^\s*(约?\s*[0-9][0-9.]*\s*(?:kg|g|ml|mL|L|斤|公斤|千克|克|毫升|升))\s*(\S+)\s*$', '\1/\2'),
  unit_label = regexp_replace(unit_label, '^\s*(约?\s*[0-9][0-9.]*\s*(?:kg|g|ml|mL|L|斤|公斤|千克|克|毫升|升))\s*(\S+)\s*$', '\2')
WHERE unit_spec IS NULL AND unit_label ~ '^\s*约?\s*[0-9][0-9.]*\s*(kg|g|ml|mL|L|斤|公斤|千克|克|毫升|升)\s*\S+\s*$';
