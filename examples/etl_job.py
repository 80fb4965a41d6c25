"""A small batch job to try sciagraph on: load orders, fetch exchange rates, aggregate, write a
report. Standard library only, about 2 seconds.

    sciagraph run -- python3 examples/etl_job.py

What the profile shows:
  memory  the peak is in load_orders(): 700,000 order records held at once (~270 MB)
  CPU     aggregate() and to_euros() doing the arithmetic
  waiting fetch_rates(): four "network" calls in a thread pool (simulated with sleep), and
          write_report() writing the CSV
"""
import concurrent.futures
import csv
import os
import random
import sys
import tempfile
import time

CURRENCIES = ["USD", "GBP", "JPY", "CHF"]


def load_orders(count, seed=42):
    """The orders of one day, as the source system exports them: one dict per order."""
    rng = random.Random(seed)
    return [
        {
            "order_id": f"ORD-{i:08d}",
            "customer": f"customer-{rng.randrange(20_000):05d}",
            "currency": rng.choice(CURRENCIES),
            "amount": round(rng.uniform(1.0, 500.0), 2),
        }
        for i in range(count)
    ]


def fetch_rate(currency):
    """Stands in for a call to a rates service: the job waits, it does not compute."""
    time.sleep(0.25)
    return currency, {"USD": 0.92, "GBP": 1.16, "JPY": 0.0062, "CHF": 1.04}[currency]


def fetch_rates():
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(fetch_rate, CURRENCIES))


def to_euros(orders, rates):
    for order in orders:
        order["amount_eur"] = order["amount"] * rates[order["currency"]]


def aggregate(orders):
    totals = {}
    for order in orders:
        customer = order["customer"]
        count, amount = totals.get(customer, (0, 0.0))
        totals[customer] = (count + 1, amount + order["amount_eur"])
    return totals


def write_report(totals, path):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["customer", "orders", "total_eur"])
        for customer in sorted(totals):
            count, amount = totals[customer]
            writer.writerow([customer, count, f"{amount:.2f}"])
    return os.path.getsize(path)


def main(count):
    orders = load_orders(count)
    rates = fetch_rates()
    to_euros(orders, rates)
    totals = aggregate(orders)
    del orders
    with tempfile.TemporaryDirectory() as tmp:
        size = write_report(totals, os.path.join(tmp, "totals.csv"))
    top = max(totals.items(), key=lambda item: item[1][1])
    print(f"{count} orders, {len(totals)} customers, report {size} bytes; "
          f"top customer {top[0]} with {top[1][1]:.2f} EUR")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 700_000)
