"""Services: async functions carrying out what people and peers ask; the only layer that writes."""
