import AnalystCore
import DuckDB

/// The DuckDB SQL that builds the sample tables for one size and seed.
///
/// Every random choice is `u(key, 'tag')`: a 64-bit `hash(seed, key, tag)` mapped to [0, 1). A row's values
/// depend only on the seed, its key and the column, never on thread scheduling, so the tables (and the
/// parquet files written from them) are identical for a given seed. Sums that drive weighted picks use
/// integer weights, so no floating-point total depends on the order a parallel aggregate adds in.
///
/// Weighted picks (a day-and-hour for an event, a customer for an order, a product for an order line) use
/// cumulative integer weights and an `ASOF JOIN` on `target >= cum_lo`.
struct SampleDataScript {
    /// One published table: its staging SQL and the SELECT that the parquet file is written from.
    struct Table {
        var name: String
        var description: String
        /// Statements that create `stage_<name>` (and helper tables later stages use).
        var stage: [String]
        /// The published columns in order, read from the staging tables, ordered by id.
        var select: String
    }

    let size: SampleDataSize
    let seed: Int
    let counts: SampleDataSize.RowCounts
    let totalDays: Int
    /// First day of the window (inclusive); the window ends before `SampleData.endDate`.
    let startDate: String
    let endDate: String

    /// The reference's fixed end of the window: a dataset does not depend on the day it is generated.
    static let endDay = DateValue(year: 2026, month: 3, day: 1)

    init(size: SampleDataSize, seed: Int) {
        self.size = size
        self.seed = seed
        self.counts = size.rowCounts
        self.totalDays = size.months * 30
        self.endDate = Self.endDay.description
        self.startDate = DateValue(days: Self.endDay.days - Int32(totalDays)).description
    }

    // MARK: - SQL helpers

    /// `u(key, 'tag')`: the uniform number for one row and one column.
    private func u(_ key: String, _ tag: String) -> String { "u(\(key), '\(tag)')" }

    private var start: String { "DATE '\(startDate)'" }
    private var end: String { "DATE '\(endDate)'" }
    private var endTimestamp: String { "TIMESTAMP '\(endDate) 00:00:00'" }

    private static func list(_ strings: [String]) -> String {
        strings.isEmpty ? "CAST([] AS VARCHAR[])" : "[" + strings.map(Identifier.literal).joined(separator: ", ") + "]"
    }

    private static func list(_ numbers: [Double]) -> String {
        "[" + numbers.map { "\($0)" }.joined(separator: ", ") + "]"
    }

    /// A CTE body giving `k` (1…count) and `ts`, a timestamp drawn with the window's growth, seasonality,
    /// day-of-week and hour-of-day weights.
    private func timedRows(_ count: Int, tag: String) -> String {
        """
        SELECT base.k, s.slot_start + to_seconds(floor(\(u("base.k", tag + ".second")) * 3600)::BIGINT) AS ts
            FROM (SELECT r AS k, floor(\(u("r", tag + ".slot")) * getvariable('slot_total'))::BIGINT AS target
                  FROM range(1, \(count + 1)) t(r)) base
            ASOF JOIN slots s ON base.target >= s.cum_lo
        """
    }

    // MARK: - Setup

    /// Macros and lookup tables every table's SQL uses.
    var setup: [String] {
        var statements = [
            // hash() combines its arguments' hashes cheaply, which leaves u(k, 'a') and u(k, 'b') correlated; hashing
            // the combined value again mixes all 64 bits. The top 53 bits make an exact double in [0, 1).
            "CREATE MACRO u(k, tag) AS (hash(hash(CAST(\(seed) AS BIGINT), CAST(k AS BIGINT), tag)) >> 11)::DOUBLE / 9007199254740992.0",
            "CREATE MACRO pick(items, x) AS items[1 + floor(x * len(items))::BIGINT]",
            "CREATE MACRO span(lo, hi, x) AS lo + (hi - lo) * x",
            "CREATE MACRO ascii_word(s) AS regexp_replace(replace(strip_accents(lower(s)), 'ł', 'l'), '[^a-z0-9]', '', 'g')",
            // One slot per hour of the window, weighted by growth × month × weekday × hour.
            """
            CREATE TABLE slots AS
            WITH days AS (SELECT i, \(start) + i::INTEGER AS day FROM range(\(totalDays)) t(i)),
            weighted AS (
                SELECT day::TIMESTAMP + to_hours(h) AS slot_start,
                    greatest(1, round(1000000 * (1 + 0.5 * i / \(totalDays))
                        * \(Self.list(SampleDistributions.seasonality))[month(day)]
                        * \(Self.list(SampleDistributions.dayOfWeek))[isodow(day)]
                        * \(Self.list(SampleDistributions.hourOfDay))[h + 1]))::BIGINT AS weight
                FROM days CROSS JOIN range(24) hours(h))
            SELECT slot_start, weight, (sum(weight) OVER (ORDER BY slot_start) - weight)::BIGINT AS cum_lo FROM weighted
            """,
            "SET VARIABLE slot_total = (SELECT sum(weight)::BIGINT FROM slots)",
            "CREATE TABLE window_days AS SELECT \(start) + i::INTEGER AS day FROM range(\(totalDays)) t(i)",
            """
            CREATE TABLE countries (code VARCHAR, language VARCHAR, cities VARCHAR[], tld VARCHAR, legal_form VARCHAR,
                currency VARCHAR, per_dollar DOUBLE, mail_domains VARCHAR[])
            """,
            """
            CREATE TABLE names (language VARCHAR, male_first VARCHAR[], female_first VARCHAR[], male_last VARCHAR[],
                female_last VARCHAR[])
            """,
            """
            CREATE TABLE categories (idx INTEGER, category VARCHAR, sku_prefix VARCHAR, slug VARCHAR, items VARCHAR[],
                variants VARCHAR[], colours VARCHAR[], price_lo DOUBLE, price_hi DOUBLE, cost_lo DOUBLE, cost_hi DOUBLE,
                weight_lo DOUBLE, weight_hi DOUBLE)
            """,
            """
            CREATE TABLE channels (channel VARCHAR, label VARCHAR, budget_lo DOUBLE, budget_hi DOUBLE, cpm_lo DOUBLE,
                cpm_hi DOUBLE, ctr_lo DOUBLE, ctr_hi DOUBLE)
            """,
            "CREATE TABLE ticket_subjects (category VARCHAR, subjects VARCHAR[])",
        ]
        let countryRows = SampleVocabulary.countries.map { country in
            [
                Identifier.literal(country.code), Identifier.literal(country.language), Self.list(country.cities),
                Identifier.literal(country.topLevelDomain), Identifier.literal(country.legalForm),
                Identifier.literal(country.currency), "\(country.perDollar)", Self.list(country.mailDomains),
            ]
        }
        let nameRows = SampleVocabulary.namePools.map { pool in
            [
                Identifier.literal(pool.language), Self.list(pool.maleFirst), Self.list(pool.femaleFirst),
                Self.list(pool.maleLast), Self.list(pool.femaleLast),
            ]
        }
        let categoryRows = SampleVocabulary.productCategories.enumerated().map { index, category in
            [
                "\(index + 1)", Identifier.literal(category.name), Identifier.literal(category.skuPrefix),
                Identifier.literal(category.slug), Self.list(category.items), Self.list(category.variants),
                Self.list(category.colours), "\(category.price.lowerBound)", "\(category.price.upperBound)",
                "\(category.costRatio.lowerBound)", "\(category.costRatio.upperBound)", "\(category.weightKg.lowerBound)",
                "\(category.weightKg.upperBound)",
            ]
        }
        let channelRows = SampleVocabulary.campaignChannels.map { channel in
            [
                Identifier.literal(channel.name), Identifier.literal(channel.label), "\(channel.budget.lowerBound)",
                "\(channel.budget.upperBound)", "\(channel.cpm.lowerBound)", "\(channel.cpm.upperBound)",
                "\(channel.ctr.lowerBound)", "\(channel.ctr.upperBound)",
            ]
        }
        let subjectRows = SampleVocabulary.ticketSubjects.map { [Identifier.literal($0.category), Self.list($0.subjects)] }
        for (table, rows) in [
            ("countries", countryRows), ("names", nameRows), ("categories", categoryRows), ("channels", channelRows),
            ("ticket_subjects", subjectRows),
        ] {
            let values = rows.map { "(" + $0.joined(separator: ", ") + ")" }.joined(separator: ",\n")
            statements.append("INSERT INTO \(table) VALUES\n\(values)")
        }
        return statements
    }

    // MARK: - Tables

    /// The nine tables, in the order they must be staged (later ones read earlier ones).
    var tables: [Table] {
        [customers, products, campaigns, webSessions, webLeads, orders, orderItems, payments, supportTickets]
    }

    /// Customers are numbered in registration order. A fixed share registered before the window (so every
    /// event in the window has customers to choose from); the rest register inside it, following the same
    /// temporal weights as other events. `activity` is a Pareto weight: a few customers place most orders.
    private var customers: Table {
        let newShare = Double(size.months) / Double(size.months + 12)
        let existing = max(1, Int((Double(counts.customers) * (1 - newShare)).rounded()))
        let stage = """
            CREATE TABLE stage_customers AS
            WITH timed AS (\(timedRows(counts.customers, tag: "c"))),
            registered AS (
                SELECT k, CASE WHEN k <= \(existing)
                    THEN \(start) - 1 - floor(pow(\(u("k", "c.pre")), 1.3) * 730)::INTEGER ELSE ts::DATE END AS registration_date
                FROM timed),
            drawn AS (
                SELECT k, registration_date, row_number() OVER (ORDER BY registration_date, k) AS n,
                    \(SampleDistributions.country.sql(u("k", "c.country"))) AS country,
                    \(SampleDistributions.segment.sql(u("k", "c.segment"))) AS segment,
                    \(u("k", "c.active")) < 0.85 AS is_active,
                    \(u("k", "c.gender")) < 0.5 AS female
                FROM registered),
            named AS (
                SELECT d.*,
                    pick(CASE WHEN female THEN nm.female_first ELSE nm.male_first END, \(u("k", "c.first"))) AS first_name,
                    (CASE WHEN female THEN nm.female_last ELSE nm.male_last END)[
                        1 + floor(\(u("k", "c.last")) * len(nm.male_last))::BIGINT] AS last_name,
                    pick(co.cities, \(u("k", "c.city"))) AS city,
                    pick(\(Self.list(SampleVocabulary.companyPrefixes)), \(u("k", "c.company"))) AS company_word,
                    pick(\(Self.list(SampleVocabulary.companySuffixes)), \(u("k", "c.company_kind"))) AS company_kind,
                    co.legal_form, co.tld, co.mail_domains
                FROM drawn d JOIN countries co ON co.code = d.country JOIN names nm ON nm.language = co.language),
            mailed AS (
                SELECT *,
                    CASE WHEN segment <> 'b2c' THEN company_word || ' ' || company_kind || ' ' || legal_form END AS company,
                    ascii_word(first_name) || '.' || ascii_word(last_name) || CASE WHEN segment = 'b2c'
                        THEN CASE WHEN \(u("k", "c.mail_number")) < 0.5 THEN ''
                                ELSE (10 + floor(\(u("k", "c.mail_digits")) * 90))::BIGINT::VARCHAR END
                            || '@' || pick(mail_domains, \(u("k", "c.mail_domain")))
                        ELSE '@' || ascii_word(company_word || company_kind) || '.' || tld END AS drawn_email,
                    greatest(1, round(1000 * least(200, pow(1 - \(u("k", "c.activity")), -1 / 1.16))
                        * CASE WHEN is_active THEN 1 ELSE 0.3 END))::BIGINT AS activity
                FROM named)
            SELECT n, 'C-' || lpad(n::VARCHAR, 6, '0') AS customer_id,
                CASE WHEN row_number() OVER (PARTITION BY drawn_email ORDER BY n) = 1 THEN drawn_email
                    ELSE replace(drawn_email, '@', n::VARCHAR || '@') END AS email,
                first_name, last_name, company, country, city, segment, registration_date, is_active, activity,
                (sum(activity) OVER (ORDER BY n) - activity)::BIGINT AS cum_lo
            FROM mailed
            """
        // Per registration day: the customers registered by then (ids 1…last_n) and their total activity.
        let days = """
            CREATE TABLE customer_days AS
            SELECT registration_date, min(n) AS first_n, max(n) AS last_n, max(cum_lo + activity) AS activity_total
            FROM stage_customers GROUP BY registration_date
            """
        return Table(
            name: "customers", description: "Shop customers: contact, country, segment (b2c or b2b) and registration date.",
            stage: [stage, days],
            select: """
                SELECT customer_id, email, first_name, last_name, company, country, city, segment, registration_date, is_active
                FROM stage_customers ORDER BY n
                """)
    }

    /// Products cycle through the six categories; an item's place in its category's list and a random share
    /// set the price, so laptops cost more than chargers, and dearer items have the thinner margins.
    /// `popularity` weights how often order lines pick a product (cheap and active ones more often).
    private var products: Table {
        let stage = """
            CREATE TABLE stage_products AS
            WITH base AS (
                SELECT r AS n, ((r - 1) % \(SampleVocabulary.productCategories.count)) + 1 AS category_idx,
                    floor(\(u("r", "p.item")) * 15)::BIGINT AS item_idx
                FROM range(1, \(counts.products + 1)) t(r)),
            drawn AS (
                SELECT b.n, b.item_idx, c.category, c.sku_prefix, c.items[b.item_idx + 1] AS item,
                    c.price_lo, c.price_hi, c.cost_lo, c.cost_hi, c.weight_lo, c.weight_hi,
                    least(1.0, b.item_idx / (len(c.items) - 1) * 0.6 + \(u("b.n", "p.price")) * 0.4) AS position,
                    CASE WHEN \(u("b.n", "p.variant")) < 0.5 THEN pick(c.variants, \(u("b.n", "p.variant_pick"))) END AS variant,
                    CASE WHEN len(c.colours) > 0 AND \(u("b.n", "p.colour")) < 0.6
                        THEN pick(c.colours, \(u("b.n", "p.colour_pick"))) END AS colour
                FROM base b JOIN categories c ON c.idx = b.category_idx),
            priced AS (
                SELECT *, least(price_hi, floor(span(price_lo, price_hi, pow(position, 2.2))) + 0.99)::DECIMAL(12, 2) AS price,
                    \(u("n", "p.active")) < 0.9 AS is_active
                FROM drawn),
            weighted AS (
                SELECT *, greatest(1, round(1000 * least(100, pow(1 - \(u("n", "p.popularity")), -1 / 1.5))
                    * (1.3 - 0.6 * position) * CASE WHEN is_active THEN 1 ELSE 0.4 END))::BIGINT AS popularity
                FROM priced)
            SELECT n, 'P-' || lpad(n::VARCHAR, 5, '0') AS product_id,
                sku_prefix || '-' || lpad(n::VARCHAR, 5, '0') || coalesce('-' || upper(left(replace(colour, ' ', ''), 3)), '') AS sku,
                item || coalesce(' ' || variant, '') || coalesce(' (' || colour || ')', '') AS name,
                category, price,
                round(price * span(cost_lo, cost_hi, 0.5 * position + 0.5 * \(u("n", "p.cost"))), 2)::DECIMAL(12, 2) AS cost,
                round(span(weight_lo, weight_hi, pow(position, 1.5) * 0.7 + \(u("n", "p.weight")) * 0.3), 2)::DECIMAL(8, 2)
                    AS weight_kg,
                is_active,
                (\(start) - 1 - floor(\(u("n", "p.created")) * 1095)::INTEGER)::TIMESTAMP
                    + to_seconds((8 * 3600 + floor(\(u("n", "p.created_time")) * 10 * 3600))::BIGINT) AS created_at,
                popularity, (sum(popularity) OVER (ORDER BY n) - popularity)::BIGINT AS cum_lo
            FROM weighted
            """
        return Table(
            name: "products", description: "The product catalogue: six categories with list price, unit cost and weight.",
            stage: [stage, "SET VARIABLE product_total = (SELECT sum(popularity)::BIGINT FROM stage_products)"],
            select: """
                SELECT product_id, sku, name, category, price, cost, weight_kg, is_active, created_at
                FROM stage_products ORDER BY n
                """)
    }

    /// Campaigns start from two months before the window until a week before its end and are numbered by start
    /// date. Impressions follow from spend and the channel's cost per thousand, clicks from the channel's
    /// click-through rate (paid search has the best).
    private var campaigns: Table {
        let themes = Self.list(SampleVocabulary.monthlyThemes)
        let evergreen = Self.list(SampleVocabulary.evergreenThemes)
        let stage = """
            CREATE TABLE stage_campaigns AS
            WITH base AS (
                SELECT r AS k, \(SampleDistributions.campaignChannel.sql(u("r", "m.channel"))) AS channel,
                    \(start) - 60 + floor(\(u("r", "m.start")) * \(totalDays + 53))::INTEGER AS start_date,
                    \(SampleDistributions.campaignDuration.sql(u("r", "m.duration"))) AS duration
                FROM range(1, \(counts.campaigns + 1)) t(r)),
            drawn AS (
                SELECT b.*, row_number() OVER (ORDER BY start_date, k) AS n, b.start_date + (b.duration - 1) AS end_date,
                    CASE WHEN \(u("k", "m.theme")) < 0.7 THEN \(themes)[month(b.start_date)]
                        ELSE pick(\(evergreen), \(u("k", "m.evergreen"))) END AS theme,
                    ch.label, ch.cpm_lo, ch.cpm_hi, ch.ctr_lo, ch.ctr_hi,
                    round(span(ch.budget_lo, ch.budget_hi, \(u("k", "m.budget"))) / 100) * 100 AS budget
                FROM base b JOIN channels ch ON ch.channel = b.channel),
            statused AS (
                SELECT *, CASE WHEN end_date < \(end) THEN 'completed'
                        WHEN \(u("k", "m.status")) < 0.8 THEN 'active' ELSE 'paused' END AS status,
                    least(1.0, greatest(0.0, (\(end) - start_date) / duration)) AS elapsed
                FROM drawn),
            spent AS (
                SELECT *, round(budget * CASE status WHEN 'completed' THEN span(0.85, 1.02, \(u("k", "m.spend")))
                        WHEN 'paused' THEN elapsed * span(0.5, 0.8, \(u("k", "m.spend")))
                        ELSE elapsed * span(0.9, 1.05, \(u("k", "m.spend"))) END, 2) AS spend
                FROM statused),
            shown AS (
                SELECT *, round(spend / span(cpm_lo, cpm_hi, \(u("k", "m.cpm"))) * 1000)::BIGINT AS impressions FROM spent)
            SELECT n, 'CMP-' || lpad(n::VARCHAR, 4, '0') AS campaign_id,
                theme || ' ' || year(start_date)::VARCHAR || ' – ' || label AS name, channel, status,
                budget::DECIMAL(12, 2) AS budget, spend::DECIMAL(12, 2) AS spend, impressions,
                round(impressions * span(ctr_lo, ctr_hi, \(u("k", "m.ctr"))))::BIGINT AS clicks, start_date, end_date,
                \(SampleDistributions.targetSegment.sql(u("k", "m.target"))) AS target_segment
            FROM shown
            """
        // Which campaigns run on each day of the window, for attributing sessions and leads.
        let days = """
            CREATE TABLE campaign_days AS
            SELECT d.day, list(c.campaign_id ORDER BY c.campaign_id) AS ids
            FROM window_days d JOIN stage_campaigns c ON d.day BETWEEN c.start_date AND c.end_date GROUP BY d.day
            """
        return Table(
            name: "campaigns",
            description: "Marketing campaigns by channel with budget, spend, impressions and clicks.",
            stage: [stage, days],
            select: """
                SELECT campaign_id, name, channel, status, budget, spend, impressions, clicks, start_date, end_date,
                    target_segment
                FROM stage_campaigns ORDER BY n
                """)
    }

    /// Visitors 1…`visitors` revisit with a skew towards low numbers; visitor n is customer n, and the session
    /// carries the customer id when that customer had registered and is signed in.
    private var webSessions: Table {
        let visitors = max(counts.customers * 2, counts.webSessions / 3)
        let slugs = Self.list(SampleVocabulary.productCategories.map(\.slug))
        let stage = """
            CREATE TABLE stage_web_sessions AS
            WITH timed AS (\(timedRows(counts.webSessions, tag: "s"))),
            drawn AS (
                SELECT k, ts AS started_at, row_number() OVER (ORDER BY ts, k) AS n,
                    1 + floor(\(visitors) * pow(\(u("k", "s.visitor")), 1.6))::BIGINT AS visitor,
                    \(SampleDistributions.device.sql(u("k", "s.device"))) AS device_type,
                    \(SampleDistributions.browser.sql(u("k", "s.browser"))) AS browser,
                    \(SampleDistributions.landingKind.sql(u("k", "s.landing"))) AS landing_kind,
                    \(u("k", "s.signed_in")) < 0.7 AS signed_in
                FROM timed),
            joined AS (
                -- Only equality in the join condition: anything else makes DuckDB fall back to a nested-loop join.
                SELECT d.*, CASE WHEN c.registration_date <= d.started_at::DATE THEN c.customer_id END AS customer_id,
                    CASE WHEN c.registration_date <= d.started_at::DATE THEN c.country END AS customer_country,
                    cd.ids AS campaign_ids
                FROM drawn d
                LEFT JOIN stage_customers c ON c.n = CASE WHEN d.signed_in THEN d.visitor END
                LEFT JOIN campaign_days cd ON cd.day = d.started_at::DATE),
            bounced AS (
                SELECT *, \(u("k", "s.bounce")) < CASE device_type WHEN 'mobile' THEN 0.48 WHEN 'tablet' THEN 0.40 ELSE 0.34 END
                    AS is_bounce
                FROM joined),
            paged AS (
                SELECT *, CASE WHEN is_bounce THEN 1
                    ELSE least(40, 2 + floor(-ln(1 - \(u("k", "s.pages"))) * 4)) END::INTEGER AS pages_viewed
                FROM bounced)
            SELECT n, 'S-' || lpad(n::VARCHAR, 8, '0') AS session_id, 'V-' || lpad(visitor::VARCHAR, 7, '0') AS visitor_id,
                customer_id,
                CASE WHEN \(u("k", "s.campaign")) < 0.45 THEN pick(campaign_ids, \(u("k", "s.campaign_pick"))) END AS campaign_id,
                started_at,
                CASE WHEN is_bounce THEN floor(\(u("k", "s.duration")) * 30)
                    ELSE pages_viewed * floor(span(15, 120, \(u("k", "s.duration")))) END::INTEGER AS duration_seconds,
                pages_viewed, device_type, browser,
                coalesce(customer_country, \(SampleDistributions.country.sql(u("k", "s.country")))) AS country,
                CASE landing_kind WHEN 'home' THEN '/'
                    WHEN 'category' THEN '/category/' || pick(\(slugs), \(u("k", "s.page")))
                    WHEN 'product'
                        THEN '/products/P-' || lpad((1 + floor(\(u("k", "s.page")) * \(counts.products)))::BIGINT::VARCHAR, 5, '0')
                    WHEN 'sale' THEN '/sale'
                    WHEN 'blog' THEN '/blog/' || pick(\(Self.list(SampleVocabulary.blogSlugs)), \(u("k", "s.page")))
                    WHEN 'search' THEN '/search'
                    ELSE '/account' END AS landing_page,
                is_bounce
            FROM paged
            """
        return Table(
            name: "web_sessions",
            description: "Website visits: visitor, signed-in customer, campaign, device, landing page and engagement.",
            stage: [stage],
            select: """
                SELECT session_id, visitor_id, customer_id, campaign_id, started_at, duration_seconds, pages_viewed,
                    device_type, browser, country, landing_page, is_bounce
                FROM stage_web_sessions ORDER BY n
                """)
    }

    /// A converted lead becomes a customer registered on or after the lead's day (when there is none left in
    /// the window the lead stays `qualified`); some other leads come from existing customers.
    private var webLeads: Table {
        let stage = """
            CREATE TABLE stage_web_leads AS
            WITH timed AS (\(timedRows(counts.webLeads, tag: "l"))),
            drawn AS (
                SELECT k, ts AS created_at, row_number() OVER (ORDER BY ts, k) AS n,
                    \(SampleDistributions.leadSource.sql(u("k", "l.source"))) AS source,
                    \(SampleDistributions.leadStatus.sql(u("k", "l.status"))) AS drawn_status,
                    \(SampleDistributions.country.sql(u("k", "l.country"))) AS country,
                    \(u("k", "l.existing")) < 0.2 AS from_customer
                FROM timed),
            converted AS (
                SELECT d.*, cd.registration_date AS converted_day, cd.first_n AS converted_first, cd.last_n AS converted_last
                FROM drawn d ASOF LEFT JOIN customer_days cd ON d.created_at::DATE <= cd.registration_date),
            known AS (
                SELECT c.*, kd.last_n AS known_last
                FROM converted c ASOF LEFT JOIN customer_days kd ON c.created_at::DATE >= kd.registration_date),
            chosen AS (
                SELECT *,
                    CASE WHEN drawn_status = 'converted' AND converted_day IS NULL THEN 'qualified' ELSE drawn_status END AS status,
                    CASE WHEN drawn_status = 'converted' AND converted_day IS NOT NULL
                            THEN converted_first + floor(\(u("k", "l.converted")) * (converted_last - converted_first + 1))::BIGINT
                        WHEN drawn_status <> 'converted' AND from_customer
                            THEN 1 + floor(\(u("k", "l.known")) * known_last)::BIGINT END AS customer_n
                FROM known)
            SELECT ch.n, ch.k, c.customer_id,
                coalesce(c.email, ascii_word(pick(list_concat(nm.male_first, nm.female_first), \(u("ch.k", "l.first"))))
                    || '.' || ascii_word(pick(nm.male_last, \(u("ch.k", "l.last"))))
                    || (10 + floor(\(u("ch.k", "l.digits")) * 90))::BIGINT::VARCHAR
                    || '@' || pick(co.mail_domains, \(u("ch.k", "l.domain")))) AS email,
                ch.source,
                CASE WHEN \(u("ch.k", "l.campaign")) < 0.5 THEN pick(cd.ids, \(u("ch.k", "l.campaign_pick"))) END AS campaign_id,
                ch.created_at, ch.status,
                CASE WHEN ch.status = 'converted' THEN least(\(endTimestamp) - INTERVAL 1 SECOND, greatest(
                    ch.created_at + to_minutes((5 + floor(\(u("ch.k", "l.converted_minutes")) * 120))::BIGINT),
                    ch.converted_day::TIMESTAMP + to_seconds(floor(\(u("ch.k", "l.converted_second")) * 86400)::BIGINT)))
                    END AS converted_at
            FROM chosen ch
            LEFT JOIN stage_customers c ON c.n = ch.customer_n
            JOIN countries co ON co.code = ch.country
            JOIN names nm ON nm.language = co.language
            LEFT JOIN campaign_days cd ON cd.day = ch.created_at::DATE
            """
        return Table(
            name: "web_leads",
            description: "Sign-ups and enquiries from the website: source, campaign, status and conversion to a customer.",
            stage: [stage],
            select: """
                SELECT 'L-' || lpad(n::VARCHAR, 6, '0') AS lead_id, customer_id, email, source, campaign_id, created_at, status,
                    converted_at
                FROM stage_web_leads ORDER BY n
                """)
    }

    /// An order picks its customer by activity among the customers registered by the order's day. Recent orders
    /// cannot be delivered yet. Enterprise orders multiply every line's quantity by 3–5, small business by 1–2.
    private var orders: Table {
        let stage = """
            CREATE TABLE stage_orders AS
            WITH timed AS (\(timedRows(counts.orders, tag: "o"))),
            eligible AS (
                SELECT t.k, t.ts AS created_at, floor(\(u("t.k", "o.customer")) * cd.activity_total)::BIGINT AS customer_target
                FROM timed t ASOF JOIN customer_days cd ON t.ts::DATE >= cd.registration_date),
            chosen AS (
                SELECT e.k, e.created_at, c.n AS customer_n, c.customer_id, c.segment, c.country
                FROM eligible e ASOF JOIN stage_customers c ON e.customer_target >= c.cum_lo),
            drawn AS (
                SELECT *, row_number() OVER (ORDER BY created_at, k) AS n,
                    \(SampleDistributions.orderStatus.sql(u("k", "o.status"))) AS drawn_status,
                    date_diff('hour', created_at, \(endTimestamp)) AS age_hours
                FROM chosen)
            SELECT k, n, 'ORD-' || lpad(n::VARCHAR, 7, '0') AS order_id, customer_n, customer_id, segment, country, created_at,
                CASE WHEN age_hours < 48 AND drawn_status IN ('delivered', 'shipped', 'returned') THEN 'confirmed'
                    WHEN age_hours < 168 AND drawn_status IN ('delivered', 'returned') THEN 'shipped'
                    ELSE drawn_status END AS status,
                \(SampleDistributions.orderChannel.sql(u("k", "o.channel"))) AS channel,
                \(SampleDistributions.itemsPerOrder.sql(u("k", "o.lines"))) AS line_count,
                CASE segment WHEN 'b2b_enterprise' THEN 3 + floor(\(u("k", "o.multiplier")) * 3)
                    WHEN 'b2b_small' THEN 1 + floor(\(u("k", "o.multiplier")) * 2) ELSE 1 END::INTEGER AS multiplier,
                CASE WHEN \(u("k", "o.coupon")) < 0.2 THEN pick([5, 10, 15], \(u("k", "o.coupon_size"))) ELSE 0 END AS coupon_percent
            FROM drawn
            """
        // Money needs the order's lines, so the priced orders are built after `order_items` is staged.
        return Table(
            name: "orders",
            description: "Orders with status, sales channel and amounts in USD (items, discount, shipping, total).",
            stage: [stage],
            select: """
                SELECT order_id, customer_id, created_at, status, items_total, discount_amount, shipping_amount, total_amount,
                    channel
                FROM priced_orders ORDER BY n
                """)
    }

    /// Lines pick products by popularity; a product drawn twice for one order keeps its first line only.
    private var orderItems: Table {
        let stage = """
            CREATE TABLE stage_order_items AS
            WITH lines AS (
                SELECT o.k AS order_k, o.n AS order_n, o.order_id, o.multiplier, unnest(range(1, o.line_count + 1)) AS line
                FROM stage_orders o),
            targeted AS (
                SELECT *, order_k * 16 + line AS lk,
                    floor(\(u("order_k * 16 + line", "i.product")) * getvariable('product_total'))::BIGINT AS target
                FROM lines),
            chosen AS (
                SELECT t.*, p.n AS product_n, p.product_id, p.price AS unit_price
                FROM targeted t ASOF JOIN stage_products p ON t.target >= p.cum_lo
                QUALIFY row_number() OVER (PARTITION BY t.order_n, p.n ORDER BY t.line) = 1),
            drawn AS (
                SELECT *, (\(SampleDistributions.baseQuantity.sql(u("lk", "i.quantity")))) * multiplier AS quantity,
                    \(SampleDistributions.lineDiscount.sql(u("lk", "i.discount"))) AS discount_percent
                FROM chosen)
            SELECT row_number() OVER (ORDER BY order_n, line) AS n, order_n, order_id, product_id,
                quantity::INTEGER AS quantity, unit_price, discount_percent::INTEGER AS discount_percent,
                round(quantity * unit_price * (100 - discount_percent) / 100, 2)::DECIMAL(12, 2) AS line_total
            FROM drawn
            """
        let priced = """
            CREATE TABLE priced_orders AS
            WITH totals AS (SELECT order_n, sum(line_total)::DECIMAL(12, 2) AS items_total FROM stage_order_items GROUP BY order_n),
            money AS (
                SELECT o.*, t.items_total,
                    round(t.items_total * o.coupon_percent / 100, 2)::DECIMAL(12, 2) AS discount_amount,
                    CASE WHEN t.items_total >= 100 OR o.segment = 'b2b_enterprise' THEN 0
                        ELSE pick([4.99, 5.99, 6.99], \(u("o.k", "o.shipping"))) END::DECIMAL(12, 2) AS shipping_amount
                FROM stage_orders o JOIN totals t ON t.order_n = o.n)
            SELECT *, (items_total - discount_amount + shipping_amount)::DECIMAL(12, 2) AS total_amount FROM money
            """
        return Table(
            name: "order_items",
            description: "Order lines: product, quantity, unit price, line discount and line total in USD.",
            stage: [stage, priced],
            select: """
                SELECT 'OI-' || lpad(n::VARCHAR, 8, '0') AS order_item_id, order_id, product_id, quantity, unit_price,
                    discount_percent, line_total
                FROM stage_order_items ORDER BY n
                """)
    }

    /// One payment per order in the customer's currency; about one in twenty first attempts fails and is retried.
    /// Enterprise customers pay by bank transfer or invoice, which settle days later, so some are still pending.
    private var payments: Table {
        let stage = """
            CREATE TABLE stage_payments AS
            WITH payable AS (
                SELECT o.k, o.n AS order_n, o.order_id, o.customer_id, o.segment, o.status AS order_status, o.total_amount,
                    o.created_at AS ordered_at, co.currency, co.per_dollar,
                    o.status <> 'pending' AND o.created_at < \(endTimestamp) - INTERVAL 1 DAY
                        AND \(u("o.k", "pay.failed")) < 0.05 AS retried
                FROM priced_orders o JOIN countries co ON co.code = o.country),
            attempts AS (
                SELECT *, 1 AS attempt, ordered_at + to_seconds((5 + floor(\(u("k", "pay.delay")) * 120))::BIGINT) AS paid_at
                FROM payable
                UNION ALL
                SELECT *, 2 AS attempt, ordered_at + to_seconds((5 + floor(\(u("k", "pay.delay")) * 120))::BIGINT)
                    + to_minutes((5 + floor(\(u("k", "pay.retry")) * 55))::BIGINT) AS paid_at
                FROM payable WHERE retried),
            drawn AS (
                SELECT *, k * 4 + attempt AS pk, least(paid_at, \(endTimestamp) - INTERVAL 1 SECOND) AS created_at,
                    CASE WHEN segment = 'b2b_enterprise'
                        THEN \(SampleDistributions.enterprisePaymentMethod.sql(u("k * 4 + attempt", "pay.method")))
                        ELSE \(SampleDistributions.paymentMethod.sql(u("k * 4 + attempt", "pay.method"))) END AS method,
                    CASE WHEN retried AND attempt = 1 THEN 'failed'
                        WHEN order_status = 'pending' THEN 'pending'
                        WHEN order_status = 'cancelled' THEN CASE WHEN \(u("k", "pay.cancelled")) < 0.6 THEN 'refunded' ELSE 'failed' END
                        WHEN order_status = 'returned' THEN 'refunded'
                        ELSE 'completed' END AS drawn_status
                FROM attempts),
            settled AS (
                SELECT *, created_at + CASE method
                    WHEN 'bank_transfer' THEN to_minutes((24 * 60 + floor(\(u("pk", "pay.settle")) * 48 * 60))::BIGINT)
                    WHEN 'invoice' THEN to_minutes((7 * 24 * 60 + floor(\(u("pk", "pay.settle")) * 23 * 24 * 60))::BIGINT)
                    ELSE to_seconds((1 + floor(\(u("pk", "pay.settle")) * 120))::BIGINT) END AS settles_at
                FROM drawn)
            SELECT row_number() OVER (ORDER BY created_at, order_n, attempt) AS n, order_id, customer_id,
                round(total_amount * per_dollar, 2)::DECIMAL(12, 2) AS amount, currency, method,
                CASE WHEN drawn_status IN ('completed', 'refunded') AND settles_at >= \(endTimestamp) THEN 'pending'
                    ELSE drawn_status END AS status,
                created_at,
                CASE WHEN drawn_status IN ('completed', 'refunded') AND settles_at < \(endTimestamp) THEN settles_at END AS completed_at
            FROM settled
            """
        return Table(
            name: "payments",
            description: "Payment attempts per order in the customer's currency; failed attempts have no completed_at.",
            stage: [stage],
            select: """
                SELECT 'PAY-' || lpad(n::VARCHAR, 7, '0') AS payment_id, order_id, customer_id, amount, currency, method, status,
                    created_at, completed_at
                FROM stage_payments ORDER BY n
                """)
    }

    /// Returns, refunds and shipping tickets always concern an order, complaints usually, questions and technical
    /// issues seldom (about 60% overall). Such a ticket is opened within 20 days after its order; the others at a
    /// weighted time by a customer registered by then. Tickets still open at the end of the window have no
    /// resolution.
    private var supportTickets: Table {
        let stage = """
            CREATE TABLE stage_support_tickets AS
            WITH timed AS (\(timedRows(counts.supportTickets, tag: "t"))),
            eligible AS (
                SELECT t.k, t.ts, \(SampleDistributions.ticketCategory.sql(u("t.k", "t.category"))) AS category,
                    floor(\(u("t.k", "t.customer")) * cd.activity_total)::BIGINT AS customer_target
                FROM timed t ASOF JOIN customer_days cd ON t.ts::DATE >= cd.registration_date),
            customer_tickets AS (
                SELECT e.*, c.customer_id AS own_customer_id,
                    \(u("e.k", "t.linked")) < CASE e.category WHEN 'question' THEN 0.2 WHEN 'technical_issue' THEN 0.2
                        WHEN 'complaint' THEN 0.6 ELSE 1.0 END AS about_order,
                    1 + floor(\(u("e.k", "t.order")) * \(counts.orders))::BIGINT AS order_n
                FROM eligible e ASOF JOIN stage_customers c ON e.customer_target >= c.cum_lo),
            placed AS (
                SELECT x.k, x.category, CASE WHEN about_order THEN o.order_id END AS order_id,
                    CASE WHEN about_order THEN o.customer_id ELSE x.own_customer_id END AS customer_id,
                    CASE WHEN about_order THEN o.created_at + to_seconds(floor(\(u("x.k", "t.after"))
                            * least(20 * 86400, date_diff('second', o.created_at, \(endTimestamp)) - 1))::BIGINT)
                        ELSE x.ts END AS created_at
                FROM customer_tickets x JOIN priced_orders o ON o.n = x.order_n),
            drawn AS (
                SELECT *, row_number() OVER (ORDER BY created_at, k) AS n,
                    \(SampleDistributions.ticketPriority.sql(u("k", "t.priority"))) AS priority,
                    \(SampleDistributions.ticketChannel.sql(u("k", "t.channel"))) AS channel
                FROM placed),
            timed_work AS (
                SELECT *, created_at + to_minutes(floor(CASE priority
                        WHEN 'critical' THEN span(5, 60, \(u("k", "t.response")))
                        WHEN 'high' THEN span(15, 240, \(u("k", "t.response")))
                        WHEN 'medium' THEN span(30, 720, \(u("k", "t.response")))
                        ELSE span(60, 1440, \(u("k", "t.response"))) END)::BIGINT) AS responds_at,
                    to_minutes(floor(60 * span(1, 120, pow(\(u("k", "t.resolve")), 2)) * CASE priority
                        WHEN 'critical' THEN 0.3 WHEN 'high' THEN 0.6 WHEN 'medium' THEN 1.0 ELSE 1.5 END)::BIGINT) AS work_time
                FROM drawn),
            statused AS (
                SELECT *, CASE WHEN responds_at < \(endTimestamp) THEN responds_at END AS first_response_at,
                    responds_at + work_time AS resolves_at
                FROM timed_work),
            closed_out AS (
                SELECT *, CASE WHEN first_response_at IS NULL THEN 'open'
                        WHEN resolves_at < \(endTimestamp) AND \(u("k", "t.stuck")) >= 0.04
                            THEN CASE WHEN resolves_at < \(endTimestamp) - INTERVAL 7 DAY THEN 'closed' ELSE 'resolved' END
                        WHEN \(u("k", "t.waiting")) < 0.5 THEN 'in_progress'
                        ELSE 'waiting_on_customer' END AS status
                FROM statused)
            SELECT f.n, 'TKT-' || lpad(f.n::VARCHAR, 6, '0') AS ticket_id, f.customer_id, f.order_id, f.category, f.priority,
                f.status, f.channel, pick(s.subjects, \(u("f.k", "t.subject"))) AS subject, f.created_at, f.first_response_at,
                CASE WHEN f.status IN ('resolved', 'closed') THEN f.resolves_at END AS resolved_at,
                CASE WHEN f.status IN ('resolved', 'closed') AND \(u("f.k", "t.survey")) < 0.65 THEN
                    CASE WHEN f.category IN ('complaint', 'refund') THEN \(SampleDistributions.unhappyScore.sql(u("f.k", "t.score")))
                        ELSE \(SampleDistributions.happyScore.sql(u("f.k", "t.score"))) END END::INTEGER AS satisfaction_score
            FROM closed_out f JOIN ticket_subjects s ON s.category = f.category
            """
        return Table(
            name: "support_tickets",
            description: "Customer support tickets: category, priority, status, response and resolution times, satisfaction.",
            stage: [stage],
            select: """
                SELECT ticket_id, customer_id, order_id, category, priority, status, channel, subject, created_at,
                    first_response_at, resolved_at, satisfaction_score
                FROM stage_support_tickets ORDER BY n
                """)
    }
}
