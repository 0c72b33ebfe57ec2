"""lmm_bridge"""
