-- An analyst's first three queries: plain SQL that runs as it is on both warehouses (the
-- DuckDB file and PostgreSQL). tests/test_analyst_queries.py runs each one on both.

-- 1. What each publication published, day by day (a day is the published date, else the
--    day the pipeline collected the article).
SELECT day, publication, publication_name, articles, words
FROM v_articles_per_publication_day
WHERE site = 'maghress-fr' AND day BETWEEN DATE '2011-02-08' AND DATE '2011-02-10'
ORDER BY day, articles DESC, publication;

-- 2. The day's biggest stories: how many publications carried each, and the likely
--    original source (the publication with the earliest copy: rank 1 in v_story_publications).
SELECT s.publications, story.title AS story, s.publication_name AS original_source,
       s.url AS original_url, s.published_date, s.published_at
FROM v_story_publications s
JOIN articles story ON story.site = s.site AND story.canonical_url = s.cluster_id
WHERE s.site = 'maghress-fr' AND s.publication_rank = 1 AND s.publications >= 2
  AND s.cluster_id IN (
      SELECT cluster_id FROM articles
      WHERE site = 'maghress-fr' AND COALESCE(published_date, logical_date) = DATE '2011-02-09'
  )
ORDER BY s.publications DESC, s.day, s.published_at, s.fetched_at, s.cluster_id
LIMIT 10;

-- 3. Who wrote about a subject, and when: the articles mentioning a word, per publication.
SELECT publication_name, COUNT(*) AS articles,
       MIN(COALESCE(published_date, logical_date)) AS first_day,
       MAX(COALESCE(published_date, logical_date)) AS last_day
FROM articles
WHERE site = 'maghress-fr' AND (LOWER(title) LIKE '%rabat%' OR LOWER(body) LIKE '%rabat%')
GROUP BY publication_name
ORDER BY articles DESC, publication_name;
