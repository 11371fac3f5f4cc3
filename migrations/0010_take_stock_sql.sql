-- Hand-written (not generated): checkout's last statement, sent together with its COMMIT.
-- Locks the products in id order (the one order every stock writer uses, so checkouts never
-- deadlock) FOR NO KEY UPDATE (compatible with the KEY SHARE locks the order lines' foreign keys
-- already hold), then either takes every line's quantity or raises SH409 with the lines it cannot
-- serve (their current stock in DETAIL), and the raise undoes what it took. Each statement of a
-- PL/pgSQL function sees rows committed before it started, so after the lock wait the update reads
-- the newest stock.
-- `updated_at` is left alone: a sale is not an edit of the listing, and changing no indexed column
-- keeps the update HOT.
-- Arrays rather than JSON, so that every statement's plan (cached by PL/pgSQL) finds the products
-- through their primary key with `= ANY`.
CREATE FUNCTION "shanhai_take_stock"(ids uuid[], qtys int[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  taken uuid[];
  failing json;
BEGIN
  PERFORM 1 FROM products WHERE id = ANY (ids) ORDER BY id FOR NO KEY UPDATE;
  -- The rows are ours now: the update waits for nothing, and reads each row once.
  WITH t AS (
    UPDATE products p SET stock = p.stock - w.qty FROM unnest(ids, qtys) AS w(id, qty)
    WHERE p.id = w.id AND p.status = 'listed' AND p.stock >= w.qty
    RETURNING p.id
  )
  SELECT array_agg(id) INTO taken FROM t;
  IF coalesce(cardinality(taken), 0) < cardinality(ids) THEN
    -- The lines not taken, with their stock as it is (unchanged: only taken rows were updated).
    SELECT json_agg(json_build_object('productId', w.id, 'qty', w.qty, 'stock', coalesce(p.stock, 0), 'listed', coalesce(p.status = 'listed', false)) ORDER BY w.id)
      INTO failing
      FROM unnest(ids, qtys) AS w(id, qty) LEFT JOIN products p ON p.id = w.id
      WHERE NOT (w.id = ANY (coalesce(taken, '{}')));
    RAISE EXCEPTION 'lines_unavailable' USING ERRCODE = 'SH409', DETAIL = failing::text;
  END IF;
END $$;
