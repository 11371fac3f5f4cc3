-- Hand-written (not generated): checkout's last statement, sent together with its COMMIT.
-- Locks the products in id order (the one order every stock writer uses, so checkouts never
-- deadlock) FOR NO KEY UPDATE (compatible with the KEY SHARE locks the order lines' foreign keys
-- already hold), then either takes every line's quantity or raises SH409 with the lines it cannot
-- serve (their current stock in DETAIL) and changes nothing. Each statement of a PL/pgSQL function
-- sees rows committed before it started, so the checks after the lock wait read the newest stock.
-- `updated_at` is left alone: a sale is not an edit of the listing, and changing no indexed column
-- keeps the update HOT.
-- Arrays rather than JSON, so that every statement's plan (cached by PL/pgSQL) finds the products
-- through their primary key with `= ANY`.
CREATE FUNCTION "shanhai_take_stock"(ids uuid[], qtys int[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  failing json;
BEGIN
  PERFORM 1 FROM products WHERE id = ANY (ids) ORDER BY id FOR NO KEY UPDATE;
  SELECT json_agg(json_build_object('productId', w.id, 'qty', w.qty, 'stock', coalesce(p.stock, 0), 'listed', coalesce(p.status = 'listed', false)) ORDER BY w.id)
    INTO failing
    FROM unnest(ids, qtys) AS w(id, qty) LEFT JOIN products p ON p.id = w.id
    WHERE p.id IS NULL OR p.status <> 'listed' OR p.stock < w.qty;
  IF failing IS NOT NULL THEN
    RAISE EXCEPTION 'lines_unavailable' USING ERRCODE = 'SH409', DETAIL = failing::text;
  END IF;
  UPDATE products p SET stock = p.stock - w.qty FROM unnest(ids, qtys) AS w(id, qty) WHERE p.id = w.id;
END $$;
