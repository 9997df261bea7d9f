/** The ops module: business metrics for /metrics, read from the database at scrape time. It only reads. */
export { type BusinessMetricsDeps, registerBusinessMetrics } from './business-metrics.js';
