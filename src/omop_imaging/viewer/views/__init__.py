"""One module per page of the viewer; each has a render() that Streamlit's navigation calls."""
